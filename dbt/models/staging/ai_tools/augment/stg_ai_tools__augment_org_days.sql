-- Augment's organisation-wide daily usage (`GET /analytics/v0/daily-usage`): one row per UTC day
-- with activity. Counts only (messages, tool calls, completions, lines).

with

source as (

    select * from {{ ai_tools_latest_reads('augment_org_days') }} as latest_reads

),

renamed as (

    select
        {{ json_path_fields('record', {
            'date': 'date',
            'metrics.total_messages': 'total_messages',
            'metrics.total_tool_calls': 'total_tool_calls',
            'metrics.total_modified_lines_of_code': 'total_modified_lines_of_code',
            'metrics.completions_count': 'completions_count',
            'metrics.completions_accepted': 'completions_accepted',
        }) }},
        _dlt_load_id as dlt_load_id

    from source

),

final as (

    select
        {{ safe_date('date') }} as activity_date,
        {{ safe_integer('total_messages') }} as total_messages,
        {{ safe_integer('total_tool_calls') }} as total_tool_calls,
        {{ safe_integer('total_modified_lines_of_code') }} as total_modified_lines_of_code,
        {{ safe_integer('completions_count') }} as completions_count,
        {{ safe_integer('completions_accepted') }} as completions_accepted,
        dlt_load_id

    from renamed

)

select * from final
