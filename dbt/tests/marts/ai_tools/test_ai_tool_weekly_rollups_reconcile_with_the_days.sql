-- The weekly rollups are the days summed: per ISO week and tool, the per-person mart, the
-- per-tool mart and the spend mart's usage cost all equal the sum of fct_ai_tool_daily_metrics.
-- Returns the weeks and tools that differ.

with

days as (

    select
        week_start,
        tool,
        sum(requests) as requests,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cost_usd) as cost_usd

    from {{ ref('fct_ai_tool_daily_metrics') }}
    group by week_start, tool

),

people as (

    select
        week_start,
        tool,
        sum(requests) as requests,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cost_usd) as cost_usd

    from {{ ref('fct_ai_tool_person_usage_weekly') }}
    group by week_start, tool

),

tools as (

    select * from {{ ref('fct_ai_tool_usage_weekly') }}

),

spend as (

    select * from {{ ref('fct_ai_tool_spend_weekly') }}
    where usage_cost_usd is not null

)

select
    days.week_start,
    days.tool,
    days.requests,
    people.requests as people_requests,
    tools.requests as tool_requests,
    days.cost_usd,
    people.cost_usd as people_cost_usd,
    tools.cost_usd as tool_cost_usd,
    spend.usage_cost_usd as spend_usage_cost_usd

from days
left join people on days.week_start = people.week_start and days.tool = people.tool
left join tools on days.week_start = tools.week_start and days.tool = tools.tool
left join spend on days.week_start = spend.week_start and days.tool = spend.tool
where
    people.requests is null
    or tools.requests is null
    or people.requests <> days.requests
    or tools.requests <> days.requests
    or coalesce(people.input_tokens, -1) <> coalesce(days.input_tokens, -1)
    or coalesce(tools.output_tokens, -1) <> coalesce(days.output_tokens, -1)
    or abs(coalesce(people.cost_usd, 0) - coalesce(days.cost_usd, 0)) > 0.000001
    or abs(coalesce(tools.cost_usd, 0) - coalesce(days.cost_usd, 0)) > 0.000001
    or abs(coalesce(spend.usage_cost_usd, 0) - coalesce(days.cost_usd, 0)) > 0.000001
