-- Spend per tool and ISO week (doc block ai_tool_spend_rule): what the tool bills at its own
-- grain where it reports that (OpenAI's costs per project), else the sum of the day costs in
-- fct_ai_tool_daily_metrics, reported or estimated. Both are kept side by side.

with

usage_weeks as (

    select
        week_start,
        tool,
        sum(cost_usd) as usage_cost_usd,
        sum(case when cost_is_estimated then cost_usd else 0 end) as estimated_usage_cost_usd

    from {{ ref('fct_ai_tool_daily_metrics') }}
    group by week_start, tool

),

billed_weeks as (

    select
        {{ iso_week_start('activity_date') }} as week_start,
        tool,
        sum(cost_usd) as billed_cost_usd

    from {{ ref('int_ai_tools__tool_costs_unioned') }}
    group by {{ iso_week_start('activity_date') }}, tool

),

weeks as (

    select
        coalesce(usage_weeks.week_start, billed_weeks.week_start) as week_start,
        coalesce(usage_weeks.tool, billed_weeks.tool) as tool,
        usage_weeks.usage_cost_usd,
        usage_weeks.estimated_usage_cost_usd,
        billed_weeks.billed_cost_usd

    from usage_weeks
    full outer join billed_weeks
        on usage_weeks.week_start = billed_weeks.week_start and usage_weeks.tool = billed_weeks.tool

),

final as (

    select
        cast(cast(week_start as varchar) || '|' || tool as varchar) as ai_tool_spend_week_key,
        cast(week_start as date) as week_start,
        {{ iso_year('week_start') }} as iso_year,
        {{ iso_week('week_start') }} as iso_week,
        cast(tool as varchar) as tool,
        cast(usage_cost_usd as numeric(18, 6)) as usage_cost_usd,
        cast(coalesce(estimated_usage_cost_usd, 0) as numeric(18, 6)) as estimated_usage_cost_usd,
        cast(billed_cost_usd as numeric(18, 6)) as billed_cost_usd,
        cast(coalesce(billed_cost_usd, usage_cost_usd) as numeric(18, 6)) as spend_usd,
        cast(case when billed_cost_usd is not null then 'billed' else 'usage' end as varchar) as spend_source,
        cast(
            billed_cost_usd is null and coalesce(estimated_usage_cost_usd, 0) > 0 as boolean
        ) as spend_is_estimated

    from weeks

)

select * from final
