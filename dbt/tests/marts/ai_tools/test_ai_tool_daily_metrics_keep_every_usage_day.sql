-- Nothing is dropped on the way to the fact: per tool and day, the requests and reported tokens
-- and costs of the usage days (every tool's staging contract model) add up to the fact's,
-- matched to a person or not. Reported amounts only: estimates exist in the fact alone.
-- Returns the tool-days that differ.

with

usage_days as (

    select
        tool,
        activity_date,
        sum(requests) as requests,
        sum(input_tokens) as input_tokens,
        sum(cost_usd) as cost_usd

    from {{ ref('int_ai_tools__usage_days_unioned') }}
    group by tool, activity_date

),

daily_metrics as (

    select
        tool,
        activity_date,
        sum(requests) as requests,
        sum(case when not tokens_are_estimated then input_tokens end) as input_tokens,
        sum(case when not cost_is_estimated then cost_usd end) as cost_usd

    from {{ ref('fct_ai_tool_daily_metrics') }}
    group by tool, activity_date

)

select
    coalesce(usage_days.tool, daily_metrics.tool) as tool,
    coalesce(usage_days.activity_date, daily_metrics.activity_date) as activity_date,
    usage_days.requests as usage_day_requests,
    daily_metrics.requests as daily_metric_requests,
    usage_days.input_tokens as usage_day_input_tokens,
    daily_metrics.input_tokens as daily_metric_input_tokens,
    usage_days.cost_usd as usage_day_cost_usd,
    daily_metrics.cost_usd as daily_metric_cost_usd

from usage_days
full outer join daily_metrics
    on usage_days.tool = daily_metrics.tool and usage_days.activity_date = daily_metrics.activity_date
where
    usage_days.requests is null
    or daily_metrics.requests is null
    or usage_days.requests <> daily_metrics.requests
    or coalesce(usage_days.input_tokens, -1) <> coalesce(daily_metrics.input_tokens, -1)
    or abs(coalesce(usage_days.cost_usd, 0) - coalesce(daily_metrics.cost_usd, 0)) > 0.000001
