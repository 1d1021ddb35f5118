-- Usage per tool and ISO week, from fct_ai_tool_daily_metrics: people and unmatched identities
-- active, requests, tokens and cost, with the estimated share of each (doc block
-- ai_tool_estimation_rule).

with

daily as (

    select * from {{ ref('fct_ai_tool_daily_metrics') }}

),

weekly as (

    select
        week_start,
        tool,
        count(distinct person_key) as active_people,
        count(distinct case when not is_matched then subject_key end) as unmatched_identities,
        count(distinct activity_date) as active_days,
        sum(requests) as requests,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(case when tokens_are_estimated then input_tokens else 0 end) as estimated_input_tokens,
        sum(case when tokens_are_estimated then output_tokens else 0 end) as estimated_output_tokens,
        max(case when tokens_are_estimated then 1 else 0 end) = 1 as tokens_are_estimated,
        sum(cost_usd) as cost_usd,
        sum(case when cost_is_estimated then cost_usd else 0 end) as estimated_cost_usd,
        max(case when cost_is_estimated then 1 else 0 end) = 1 as cost_is_estimated

    from daily
    group by week_start, tool

),

final as (

    select
        cast(cast(week_start as varchar) || '|' || tool as varchar) as ai_tool_week_key,
        cast(week_start as date) as week_start,
        {{ iso_year('week_start') }} as iso_year,
        {{ iso_week('week_start') }} as iso_week,
        cast(tool as varchar) as tool,
        cast(active_people as integer) as active_people,
        cast(unmatched_identities as integer) as unmatched_identities,
        cast(active_days as integer) as active_days,
        cast(requests as bigint) as requests,
        cast(input_tokens as bigint) as input_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(estimated_input_tokens as bigint) as estimated_input_tokens,
        cast(estimated_output_tokens as bigint) as estimated_output_tokens,
        cast(tokens_are_estimated as boolean) as tokens_are_estimated,
        cast(cost_usd as numeric(18, 6)) as cost_usd,
        cast(estimated_cost_usd as numeric(18, 6)) as estimated_cost_usd,
        cast(cost_is_estimated as boolean) as cost_is_estimated

    from weekly

)

select * from final
