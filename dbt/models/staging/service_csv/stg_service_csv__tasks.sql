{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='task_number',
        on_schema_change='append_new_columns',
    )
}}

-- One row per task (task_number), its latest version across every export line and file it
-- appears on (see the doc block service_csv_dedup_rule). Incremental runs re-rank only the
-- tasks touched since the last run, as in stg_service_csv__service_requests.

with

source as (

    select * from {{ source('service_csv', 'service_records') }}

),

{% if is_incremental() %}

touched_keys as (

    -- Tasks on lines of new loads, or whose kept version came from a re-uploaded file.
    {{ keys_touched_by_new_files(source('service_csv', 'service_records'), nullif_blank('trim(task_number)'), 'task_number') }}

),

{% endif %}

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
    where
        trim(task_number) <> ''
        {% if is_incremental() %}
        and trim(task_number) in (select touched_keys.task_number from touched_keys)
        {% endif %}

),

versioned as (

    -- Only the version cursor is typed before ranking; the other columns are typed for the
    -- kept version alone (in `final`), not for every line of every export.
    select
        *,
        {{ safe_timestamp('task_completed_at') }} as version_task_completed_at

    from renamed

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
    where version_rank = 1

)

select * from final
