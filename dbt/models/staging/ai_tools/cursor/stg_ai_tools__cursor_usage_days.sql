-- Cursor's usage-day contract row: per UTC day, member (email) and model, the usage events summed.
-- `requests` counts events (one per model request); tokens and cost as the events report them
-- (cost NULL only when no event of the group carries one).

with

events as (

    select * from {{ ref('stg_ai_tools__cursor_usage_events') }}

),

final as (

    select
        'cursor|' || cast(activity_date as {{ dbt.type_string() }}) || '|email|' || user_email || '|' || model
            as usage_day_key,
        activity_date,
        'cursor' as tool,
        'email' as identity_type,
        user_email as identity,
        model,
        cast(count(*) as bigint) as requests,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(cost_usd) as decimal(18, 6)) as cost_usd

    from events
    where user_email is not null and activity_date is not null
    group by activity_date, user_email, model

)

select * from final
