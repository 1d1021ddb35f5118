{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='task_number',
        on_schema_change='append_new_columns',
    )
}}

-- One row per task (task_number), its latest version across every export line and file it
-- appears on (see the doc block service_csv_dedup_rule). Incremental runs rank only the lines of
-- new loads against each task's kept version, as in stg_service_csv__service_requests.

with

{% if is_incremental() %}

replaced_keys as (

    -- Tasks whose kept version came from a file version no longer in RAW.
    {{ keys_of_replaced_file_versions(source('service_csv', 'service_records'), 'task_number') }}

),

{% endif %}

source as {{ lines_cte_hint() }} (

    {{ lines_to_rank(source('service_csv', 'service_records'), 'trim(task_number)', 'replaced_keys', 'task_number') }}

),

renamed as {{ lines_cte_hint() }} (

    select
        {{ nullif_blank('trim(task_number)') }} as task_number,
        sr_number,
        task_type,
        task_status,
        technician_id,
        task_opened_at,
        task_completed_at,
        labor_hours,
        _file_key as file_key,
        _file_etag as file_etag,
        _line_number as line_number,
        _parse_status as parse_status,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id,
        _raw_row_id as raw_row_id

    from source
    where trim(task_number) <> ''

),

deduplicated as (

    {{ lines_ranked_with_kept_versions(
        lines='renamed',
        unique_key='task_number',
        text_columns=[
            'sr_number', 'task_type', 'task_status', 'technician_id', 'task_opened_at',
            'task_completed_at', 'labor_hours',
        ],
        version_column='task_completed_at',
        kept_version_column='task_completed_at',
    ) }}

),

final as (

    select
        task_number,
        {{ nullif_blank('trim(sr_number)') }} as sr_number,
        {{ nullif_blank('trim(task_type)') }} as task_type,
        {{ nullif_blank('trim(task_status)') }} as task_status,
        {{ nullif_blank('trim(technician_id)') }} as technician_id,
        {{ safe_timestamp('task_opened_at') }} as task_opened_at,
        version_task_completed_at as task_completed_at,
        {{ safe_decimal('labor_hours', 10, 2) }} as labor_hours,
        file_key,
        file_etag,
        line_number,
        parse_status,
        extracted_at,
        dlt_load_id

    from deduplicated
    where
        version_rank = 1
        and not is_kept_version

)

select * from final
