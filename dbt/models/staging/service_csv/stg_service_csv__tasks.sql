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

source as (

    {{ lines_to_rank(source('service_csv', 'service_records'), 'trim(task_number)', 'replaced_keys', 'task_number') }}

),

renamed as (

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
        _dlt_load_id as dlt_load_id

    from source
    where trim(task_number) <> ''

),

versioned as (

    -- Only the version cursor is typed before ranking; the other columns are typed for the
    -- kept version alone (in `final`), not for every line of every export.
    select
        *,
        {{ safe_timestamp('task_completed_at') }} as version_task_completed_at,
        false as is_kept_version

    from renamed

    {% if is_incremental() %}

    union all

    -- The kept version of each task on a new line: only its ranking columns are needed.
    select
        current_version.task_number,
        cast(null as varchar) as sr_number,
        cast(null as varchar) as task_type,
        cast(null as varchar) as task_status,
        cast(null as varchar) as technician_id,
        cast(null as varchar) as task_opened_at,
        cast(null as varchar) as task_completed_at,
        cast(null as varchar) as labor_hours,
        current_version.file_key,
        current_version.file_etag,
        current_version.line_number,
        current_version.parse_status,
        current_version.extracted_at,
        current_version.dlt_load_id,
        current_version.task_completed_at as version_task_completed_at,
        true as is_kept_version

    from {{ this }} as current_version
    where
        current_version.task_number in (select renamed.task_number from renamed)
        and current_version.task_number not in (select replaced_keys.task_number from replaced_keys)

    {% endif %}

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by task_number
            order by
                version_task_completed_at desc nulls last,
                extracted_at desc,
                file_key desc,
                line_number desc
        ) as version_rank

    from versioned

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
