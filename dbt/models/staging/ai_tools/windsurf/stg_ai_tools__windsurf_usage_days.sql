-- Windsurf's usage-day contract row: per UTC day, user (email) and model, the Cascade runs summed.
-- `requests` = messages sent. Windsurf reports no tokens and no dollars (credits only, in
-- stg_ai_tools__windsurf_cascade_runs): tokens and cost are NULL here, estimated downstream.

with

runs as (

    select * from {{ ref('stg_ai_tools__windsurf_cascade_runs') }}

),

final as (

    select
        'windsurf|' || cast(activity_date as {{ dbt.type_string() }}) || '|email|' || user_email || '|' || model
            as usage_day_key,
        activity_date,
        'windsurf' as tool,
        'email' as identity_type,
        user_email as identity,
        model,
        cast(coalesce(sum(messages_sent), 0) as bigint) as requests,
        cast(null as bigint) as input_tokens,
        cast(null as bigint) as output_tokens,
        cast(null as decimal(18, 6)) as cost_usd

    from runs
    where user_email is not null and activity_date is not null
    group by activity_date, user_email, model

)

select * from final
