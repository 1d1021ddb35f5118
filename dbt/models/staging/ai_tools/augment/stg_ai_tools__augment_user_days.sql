-- Augment user activity per UTC day (`GET /analytics/v0/user-activity`, asked one day at a time:
-- the endpoint sums over its range). The records carry no date: the day is the one the loader
-- asked for (`_report_day`). A user is an email, a service account a name (identity `api_key`).
-- Units: counts of messages, tool calls, completions and lines; no tokens, no model, no cost.

with

source as (

    select * from {{ ai_tools_latest_reads('augment_user_days') }} as latest_reads

),

renamed as (

    select
        {{ json_path_fields('record', {
            'user_email': 'user_email',
            'service_account_name': 'service_account_name',
            'active_days': 'active_days',
            'metrics.total_messages': 'total_messages',
            'metrics.total_tool_calls': 'total_tool_calls',
            'metrics.total_modified_lines_of_code': 'total_modified_lines_of_code',
            'metrics.completions_count': 'completions_count',
            'metrics.completions_accepted': 'completions_accepted',
            'metrics.completions_lines_of_code': 'completions_lines_of_code',
            'metrics.chat_messages': 'chat_messages',
            'metrics.ide_agent_messages': 'ide_agent_messages',
            'metrics.remote_agent_messages': 'remote_agent_messages',
            'metrics.cli_agent_interactive_messages': 'cli_agent_interactive_messages',
            'metrics.cli_agent_non_interactive_messages': 'cli_agent_non_interactive_messages',
        }) }},
        _report_day as activity_date,
        _dlt_load_id as dlt_load_id

    from source

),

identified as (

    select
        *,
        case when {{ nullif_blank('user_email') }} is not null then 'email' else 'api_key' end as identity_type,
        coalesce({{ nullif_blank('lower(trim(user_email))') }}, trim(service_account_name)) as identity

    from renamed

),

final as (

    select
        'augment|' || cast(activity_date as {{ dbt.type_string() }}) || '|' || identity_type || '|' || identity
            as user_day_key,
        activity_date,
        identity_type,
        identity,
        {{ safe_integer('active_days') }} as active_days,
        {{ safe_integer('total_messages') }} as total_messages,
        {{ safe_integer('total_tool_calls') }} as total_tool_calls,
        {{ safe_integer('total_modified_lines_of_code') }} as total_modified_lines_of_code,
        {{ safe_integer('completions_count') }} as completions_count,
        {{ safe_integer('completions_accepted') }} as completions_accepted,
        {{ safe_integer('completions_lines_of_code') }} as completions_lines_of_code,
        {{ safe_integer('chat_messages') }} as chat_messages,
        {{ safe_integer('ide_agent_messages') }} as ide_agent_messages,
        {{ safe_integer('remote_agent_messages') }} as remote_agent_messages,
        {{ safe_integer('cli_agent_interactive_messages') }} as cli_agent_interactive_messages,
        {{ safe_integer('cli_agent_non_interactive_messages') }} as cli_agent_non_interactive_messages,
        dlt_load_id

    from identified
    where identity is not null

)

select * from final
