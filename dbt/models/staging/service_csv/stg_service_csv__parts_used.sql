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
-- orders versions). Incremental runs rank only the lines of new loads against each part line's
-- kept version, as in stg_service_csv__service_requests; every part line of a task is ranked
-- again from all of its lines when one of them came from a file that has since been re-uploaded.

with

{% if is_incremental() %}

replaced_tasks as (

    -- Tasks with a part line whose kept version came from a file version no longer in RAW.
    {{ keys_of_replaced_file_versions(source('service_csv', 'service_records'), 'task_number') }}

),

{% endif %}

source as {{ lines_cte_hint() }} (

    {{ lines_to_rank(source('service_csv', 'service_records'), 'trim(task_number)', 'replaced_tasks', 'task_number') }}

),

renamed as {{ lines_cte_hint() }} (

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
        _dlt_load_id as dlt_load_id,
        _raw_row_id as raw_row_id

    from source
    where
        trim(task_number) <> ''
        and trim(part_number) <> ''

),

deduplicated as (

    {{ lines_ranked_with_kept_versions(
        lines='renamed',
        unique_key='part_line_key',
        kept_columns=['part_line_key', 'task_number', 'part_number'],
        text_columns=['sr_number', 'part_description', 'part_quantity', 'part_unit_cost', 'task_completed_at'],
        version_column='task_completed_at',
        replaced='replaced_tasks',
        replaced_key='task_number',
    ) }}

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
    where
        version_rank = 1
        and not is_kept_version

)

select * from final
