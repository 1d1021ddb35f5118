{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='note_key',
        on_schema_change='append_new_columns',
    )
}}

-- One row per note on a service request. The export has no note ID, so a note is identified by
-- its content: (sr_number, note_created_at as written, note_text trimmed), hashed into
-- note_key. The export repeats a note once per task and part line of the request; those copies
-- collapse into one row. Notes are never edited, so the version kept is simply the newest line
-- (extracted_at, then file_key, then line_number). Incremental runs rank only the lines of new
-- loads against each note's kept version, as in stg_service_csv__service_requests.

{%- set note_key_text -%}
    trim(sr_number) || '|' || coalesce(trim(note_created_at), '') || '|' || coalesce(trim(note_text), '')
{%- endset %}

with

{% if is_incremental() %}

replaced_requests as (

    -- Requests with a note whose kept version came from a file version no longer in RAW: their
    -- notes are ranked again from all of their lines. (A note's key includes its request.)
    {{ keys_of_replaced_file_versions(source('service_csv', 'service_records'), 'sr_number') }}

),

{% endif %}

source as {{ lines_cte_hint() }} (

    {{ lines_to_rank(source('service_csv', 'service_records'), 'trim(sr_number)', 'replaced_requests', 'sr_number') }}

),

renamed as {{ lines_cte_hint() }} (

    select
        {{ dbt.hash(note_key_text) }} as note_key,
        sr_number,
        note_created_at,
        note_text,
        _file_key as file_key,
        _file_etag as file_etag,
        _line_number as line_number,
        _parse_status as parse_status,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id,
        _raw_row_id as raw_row_id

    from source
    where
        trim(sr_number) <> ''
        and (trim(note_text) <> '' or trim(note_created_at) <> '')

),

deduplicated as (

    {{ lines_ranked_with_kept_versions(
        lines='renamed',
        unique_key='note_key',
        kept_columns=['note_key', 'sr_number'],
        text_columns=['note_created_at', 'note_text'],
        replaced='replaced_requests',
        replaced_key='sr_number',
    ) }}

),

final as (

    select
        note_key,
        {{ nullif_blank('trim(sr_number)') }} as sr_number,
        {{ safe_timestamp('note_created_at') }} as note_created_at,
        {{ nullif_blank('note_text') }} as note_text,
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
