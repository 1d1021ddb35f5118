-- One row per rejected CSV line (file_key, line_number): lines of the exports the loader could
-- not turn into a record, with the reason. RAW holds only the current version of each file, so
-- there is nothing to deduplicate; a view keeps it current.

with

source as (

    select * from {{ source('service_csv', 'rejected_lines') }}

),

final as (

    select
        _file_key || ':' || cast(_line_number as varchar) as rejected_line_key,
        _file_key as file_key,
        _file_etag as file_etag,
        _line_number as line_number,
        raw_text,
        {{ nullif_blank('reason') }} as reason,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

)

select * from final
