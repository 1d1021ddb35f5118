-- One row per file in the loader's manifest: what the loader says it read, landed, repaired and
-- rejected, beside what RAW actually holds for the file, with the two reconciliation checks as
-- columns. dbt/tests/staging/service_csv/test_loaded_files_reconcile_with_raw.sql fails the
-- build when a loaded file does not reconcile. The only staging model that reads several
-- tables of its source: the counts are the model's whole point.
-- A table, not a view: its tests (and the reconciliation test) would each count all of RAW again
-- through a view; built once per build, they read one row per file.

{{ config(materialized='table') }}

with

manifest as (

    select * from {{ source('service_csv', 'file_manifest') }}

),

landed_rows as (

    select
        _file_key as file_key,
        count(*) as raw_rows_landed,
        sum(case when _parse_status = 'repaired' then 1 else 0 end) as raw_rows_repaired,
        count(distinct _file_etag) as raw_etag_count,
        min(_file_etag) as raw_etag

    from {{ source('service_csv', 'service_records') }}
    group by _file_key

),

rejected_rows as (

    select
        _file_key as file_key,
        count(*) as raw_rows_rejected

    from {{ source('service_csv', 'rejected_lines') }}
    group by _file_key

),

joined as (

    select
        manifest.file_key,
        manifest.etag as file_etag,
        manifest.status as file_status,
        {{ nullif_blank('manifest.error_class') }} as error_class,
        {{ nullif_blank('manifest.error') }} as error_message,
        manifest.encoding as file_encoding,
        cast(manifest.size_bytes as bigint) as size_bytes,
        manifest.last_modified,
        manifest.loaded_at,
        cast(manifest.attempts as integer) as attempts,
        cast(coalesce(manifest.records_read, 0) as bigint) as records_read,
        cast(coalesce(manifest.rows_landed, 0) as bigint) as rows_landed,
        cast(coalesce(manifest.rows_repaired, 0) as bigint) as rows_repaired,
        cast(coalesce(manifest.rows_rejected, 0) as bigint) as rows_rejected,
        cast(coalesce(manifest.blank_lines, 0) as bigint) as blank_lines,
        cast(coalesce(landed_rows.raw_rows_landed, 0) as bigint) as raw_rows_landed,
        cast(coalesce(landed_rows.raw_rows_repaired, 0) as bigint) as raw_rows_repaired,
        cast(coalesce(rejected_rows.raw_rows_rejected, 0) as bigint) as raw_rows_rejected,
        coalesce(landed_rows.raw_etag_count, 0) as raw_etag_count,
        landed_rows.raw_etag

    from manifest
    left join landed_rows
        on manifest.file_key = landed_rows.file_key
    left join rejected_rows
        on manifest.file_key = rejected_rows.file_key

),

final as (

    select
        file_key,
        file_etag,
        file_status,
        error_class,
        error_message,
        file_encoding,
        size_bytes,
        last_modified,
        loaded_at,
        attempts,
        records_read,
        rows_landed,
        rows_repaired,
        rows_rejected,
        blank_lines,
        raw_rows_landed,
        raw_rows_repaired,
        raw_rows_rejected,
        records_read = rows_landed + rows_rejected as is_read_count_balanced,
        raw_rows_landed = rows_landed
        and raw_rows_rejected = rows_rejected
        and raw_rows_repaired = rows_repaired as is_raw_count_matching,
        -- A loaded file's RAW rows must all come from the version the manifest names.
        raw_rows_landed = 0 or (raw_etag_count = 1 and raw_etag = file_etag) as is_raw_etag_matching,
        file_status = 'loaded'
        and records_read = rows_landed + rows_rejected
        and raw_rows_landed = rows_landed
        and raw_rows_rejected = rows_rejected
        and raw_rows_repaired = rows_repaired
        and (raw_rows_landed = 0 or (raw_etag_count = 1 and raw_etag = file_etag)) as is_reconciled

    from joined

)

select * from final
