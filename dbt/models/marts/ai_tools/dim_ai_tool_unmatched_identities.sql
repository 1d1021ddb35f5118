-- Every identity a tool reported that the identity map (seed ai_tool_identities) gives to no
-- person: a CI key, a contractor, a bot, or someone the map has not caught up with. Their usage
-- stays in every mart under the identity itself; this list is what the team adds to the map
-- (doc block ai_tool_identity_matching).

with

unmatched_days as (

    select * from {{ ref('fct_ai_tool_daily_metrics') }}
    where not is_matched

),

identities as (

    select
        tool,
        identity_type,
        identity,
        subject_key,
        min(activity_date) as first_seen_date,
        max(activity_date) as last_seen_date,
        count(distinct activity_date) as active_days,
        count(distinct model) as model_count,
        sum(requests) as requests,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        max(case when tokens_are_estimated then 1 else 0 end) = 1 as tokens_are_estimated,
        sum(cost_usd) as cost_usd,
        max(case when cost_is_estimated then 1 else 0 end) = 1 as cost_is_estimated

    from unmatched_days
    group by tool, identity_type, identity, subject_key

),

final as (

    select
        cast(tool || '|' || subject_key as varchar) as unmatched_identity_key,
        cast(tool as varchar) as tool,
        cast(identity_type as varchar) as identity_type,
        cast(identity as varchar) as identity,
        cast(subject_key as varchar) as subject_key,
        cast(first_seen_date as date) as first_seen_date,
        cast(last_seen_date as date) as last_seen_date,
        cast(active_days as integer) as active_days,
        cast(model_count as integer) as model_count,
        cast(requests as bigint) as requests,
        cast(input_tokens as bigint) as input_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(tokens_are_estimated as boolean) as tokens_are_estimated,
        cast(cost_usd as numeric(18, 6)) as cost_usd,
        cast(cost_is_estimated as boolean) as cost_is_estimated

    from identities

)

select * from final
