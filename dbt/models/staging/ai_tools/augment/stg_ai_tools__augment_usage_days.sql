-- Augment's usage-day contract row: per UTC day and user (or service account), the day's
-- activity. `requests` = messages (chat, agents, CLI). Augment reports no model (`all`), no tokens
-- and no cost: those are NULL here, estimated downstream.

with

user_days as (

    select * from {{ ref('stg_ai_tools__augment_user_days') }}

),

final as (

    select
        'augment|' || cast(activity_date as {{ dbt.type_string() }}) || '|' || identity_type || '|' || identity || '|all'
            as usage_day_key,
        activity_date,
        'augment' as tool,
        identity_type,
        identity,
        'all' as model,
        cast(coalesce(total_messages, 0) as bigint) as requests,
        cast(null as bigint) as input_tokens,
        cast(null as bigint) as output_tokens,
        cast(null as decimal(18, 6)) as cost_usd

    from user_days

)

select * from final
