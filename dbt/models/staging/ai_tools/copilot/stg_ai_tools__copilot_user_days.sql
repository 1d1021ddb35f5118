-- GitHub Copilot users-1-day reports: one row per user and day, as the report's NDJSON line
-- says (GitHub login and user id, no email). Counts arrive as JSON numbers; `ai_credits_used`
-- is in AI credits (a decimal). Only the newest read of each day is kept (GitHub restates the
-- last ~3 days; ai_tools_latest_reads).

with

source as (

    select * from {{ ai_tools_latest_reads('copilot_user_days') }} as latest_reads

),

renamed as (

    select
        {{ json_path_fields('record', {
            'user_login': 'user_login',
            'user_id': 'user_id',
            'user_initiated_interaction_count': 'interactions',
            'code_generation_activity_count': 'code_generations',
            'code_acceptance_activity_count': 'code_acceptances',
            'loc_suggested_to_add_sum': 'lines_suggested',
            'loc_added_sum': 'lines_added',
            'used_agent': 'used_agent',
            'used_chat': 'used_chat',
            'ai_credits_used': 'ai_credits_used',
        }) }},
        _report_day as activity_date,
        _dlt_load_id as dlt_load_id

    from source

)

select
    'copilot|' || cast(cast(activity_date as date) as {{ dbt.type_string() }}) || '|' || user_login
        as copilot_user_day_key,
    cast(activity_date as date) as activity_date,
    user_login,
    {{ safe_integer('user_id') }} as user_id,
    {{ safe_integer('interactions') }} as interactions,
    {{ safe_integer('code_generations') }} as code_generations,
    {{ safe_integer('code_acceptances') }} as code_acceptances,
    {{ safe_integer('lines_suggested') }} as lines_suggested,
    {{ safe_integer('lines_added') }} as lines_added,
    lower(used_agent) = 'true' as used_agent,
    lower(used_chat) = 'true' as used_chat,
    cast({{ safe_decimal('ai_credits_used', 18, 4) }} as numeric(18, 4)) as ai_credits_used,
    dlt_load_id

from renamed
