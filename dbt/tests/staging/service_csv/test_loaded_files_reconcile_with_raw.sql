-- Every file the loader marked `loaded` reconciles: each record it read was either landed or
-- rejected (records_read = rows_landed + rows_rejected), RAW holds exactly the rows the
-- manifest says were landed, repaired and rejected, and all of them come from the file version
-- (ETag) the manifest names. Also returns RAW lines of files the manifest does not know.
-- Rows returned are the files that do not reconcile.

select
    file_key,
    file_status,
    records_read,
    rows_landed,
    rows_rejected,
    raw_rows_landed,
    raw_rows_rejected,
    is_read_count_balanced,
    is_raw_count_matching,
    is_raw_etag_matching

from {{ ref('stg_service_csv__file_reconciliation') }}
where
    file_status = 'loaded'
    and not (is_read_count_balanced and is_raw_count_matching and is_raw_etag_matching)

union all

select
    raw_files.file_key,
    'not in manifest' as file_status,
    null as records_read,
    null as rows_landed,
    null as rows_rejected,
    raw_files.raw_rows_landed,
    null as raw_rows_rejected,
    null as is_read_count_balanced,
    null as is_raw_count_matching,
    null as is_raw_etag_matching

from (
    select
        _file_key as file_key,
        count(*) as raw_rows_landed
    from {{ source('service_csv', 'service_records') }}
    group by _file_key
) as raw_files
where not exists (
    select 1
    from {{ source('service_csv', 'file_manifest') }} as manifest
    where manifest.file_key = raw_files.file_key
)
