-- Cursor daily usage per member (`POST /teams/daily-usage-data`): lines, tabs and requests by
-- kind for one member and UTC day (`date`: the day's midnight in epoch milliseconds). No tokens,
-- no cost: those are in the usage events.

with

source as (

    select * from {{ ai_tools_latest_reads('cursor_user_days') }} as latest_reads

),

renamed as (

    select
        {{ json_path_fields('record', {
            'date': 'date_ms',
            'email': 'email',
            'isActive': 'is_active',
            'totalLinesAdded': 'total_lines_added',
            'totalLinesDeleted': 'total_lines_deleted',
            'acceptedLinesAdded': 'accepted_lines_added',
            'acceptedLinesDeleted': 'accepted_lines_deleted',
            'totalTabsShown': 'tabs_shown',
            'totalTabsAccepted': 'tabs_accepted',
            'chatRequests': 'chat_requests',
            'composerRequests': 'composer_requests',
            'agentRequests': 'agent_requests',
            'cmdkUsages': 'cmdk_usages',
            'mostUsedModel': 'most_used_model',
        }) }},
        _dlt_load_id as dlt_load_id

    from source

),

final as (

    select
        'cursor|' || cast(cast({{ epoch_ms_timestamp('date_ms') }} as date) as {{ dbt.type_string() }})
            || '|' || lower(trim(email)) as user_day_key,
        cast({{ epoch_ms_timestamp('date_ms') }} as date) as activity_date,
        lower(trim(email)) as user_email,
        {{ safe_boolean('is_active') }} as is_active,
        {{ safe_integer('total_lines_added') }} as total_lines_added,
        {{ safe_integer('total_lines_deleted') }} as total_lines_deleted,
        {{ safe_integer('accepted_lines_added') }} as accepted_lines_added,
        {{ safe_integer('accepted_lines_deleted') }} as accepted_lines_deleted,
        {{ safe_integer('tabs_shown') }} as tabs_shown,
        {{ safe_integer('tabs_accepted') }} as tabs_accepted,
        {{ safe_integer('chat_requests') }} as chat_requests,
        {{ safe_integer('composer_requests') }} as composer_requests,
        {{ safe_integer('agent_requests') }} as agent_requests,
        {{ safe_integer('cmdk_usages') }} as cmdk_usages,
        {{ nullif_blank('lower(trim(most_used_model))') }} as most_used_model,
        dlt_load_id

    from renamed

)

select * from final
