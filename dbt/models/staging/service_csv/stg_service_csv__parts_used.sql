{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='part_line_key',
        on_schema_change='append_new_columns',
    )
}}

-- One row per part line: a part number used on a task, key (task_number, part_number). The
-- export repeats a part line once per note of the request, so lines are deduplicated, never
-- summed. Latest version per the doc block service_csv_dedup_rule (the task's completion time
-- orders versions). Incremental runs re-rank only the part lines touched since the last run, as
-- in stg_service_csv__service_requests.

with

source as (

    select * from {{ source('service_csv', 'service_records') }}

),

{% if is_incremental() %}

touched_keys as (

    -- Part lines on lines of new loads, or whose kept version came from a re-uploaded file.
    {{ keys_touched_by_new_files(source('service_csv', 'service_records'), "trim(task_number) || '|' || trim(part_number)", 'part_line_key') }}

),

{% endif %}

renamed as (

    select
        trim(task_number) || '|' || trim(part_number) as part_line_key,
        trim(task_number) as task_number,
        trim(part_number) as part_number,
        sr_number,
        part_description,
        part_quantity,
        part_unit_cost,
        task_completed_at,
        _file_key as file_key,
        _file_etag as file_etag,
        _line_number as line_number,
        _parse_status as parse_status,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source
    where
        trim(task_number) <> ''
        and trim(part_number) <> ''
        {% if is_incremental() %}
        and trim(task_number) || '|' || trim(part_number) in (select touched_keys.part_line_key from touched_keys)
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
            partition by part_line_key
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
        part_line_key,
        task_number,
        part_number,
        {{ nullif_blank('trim(sr_number)') }} as sr_number,
        {{ nullif_blank('trim(part_description)') }} as part_description,
        {{ safe_decimal('part_quantity', 18, 2) }} as part_quantity,
        {{ safe_decimal('part_unit_cost', 18, 2) }} as part_unit_cost,
        version_task_completed_at,
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
