-- Tokens and spend per tool, per person (or unmatched identity) and per ISO week, from
-- fct_ai_tool_daily_metrics: the one query "tokens and spend per tool per person per week"
-- reads. Estimated values are flagged, and their share is given as amounts (doc block
-- ai_tool_estimation_rule).

with

daily as (

    select * from {{ ref('fct_ai_tool_daily_metrics') }}

),

weekly as (

    select
        week_start,
        tool,
        subject_key,
        max(person_key) as person_key,
        max(person_name) as person_name,
        max(case when is_matched then 1 else 0 end) = 1 as is_matched,
        max(identity_type) as identity_type,
        max(identity) as identity,
        count(distinct activity_date) as active_days,
        count(distinct model) as model_count,
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
    group by week_start, tool, subject_key

),

final as (

    select
        cast(
            cast(week_start as varchar) || '|' || tool || '|' || subject_key as varchar
        ) as ai_tool_person_week_key,
        cast(week_start as date) as week_start,
        {{ iso_year('week_start') }} as iso_year,
        {{ iso_week('week_start') }} as iso_week,
        cast(tool as varchar) as tool,
        cast(subject_key as varchar) as subject_key,
        cast(person_key as varchar) as person_key,
        cast(person_name as varchar) as person_name,
        cast(is_matched as boolean) as is_matched,
        cast(identity_type as varchar) as identity_type,
        cast(identity as varchar) as identity,
        cast(active_days as integer) as active_days,
        cast(model_count as integer) as model_count,
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
