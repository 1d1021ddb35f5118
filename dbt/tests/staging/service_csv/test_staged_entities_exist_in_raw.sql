{{ config(severity='warn', tags=['raw_audit']) }}

-- The incremental staging models never delete: a service request, task, part line or note whose
-- every RAW line disappeared (its only file was re-uploaded without it) keeps its last version
-- until `dbt build --full-refresh`. Returns those keys so the warning says which ones.
-- Reads all of RAW, so it runs in the daily full build only: the 4-hourly builds exclude
-- tag:raw_audit (docs/cron.example) and cost what the change costs, not what RAW holds.

select 'service_request' as entity, staged.sr_number as entity_key
from {{ ref('stg_service_csv__service_requests') }} as staged
where not exists (
    select 1 from {{ source('service_csv', 'service_records') }} as raw_lines
    where trim(raw_lines.sr_number) = staged.sr_number
)

union all

select 'task' as entity, staged.task_number as entity_key
from {{ ref('stg_service_csv__tasks') }} as staged
where not exists (
    select 1 from {{ source('service_csv', 'service_records') }} as raw_lines
    where trim(raw_lines.task_number) = staged.task_number
)

union all

select 'part_line' as entity, staged.part_line_key as entity_key
from {{ ref('stg_service_csv__parts_used') }} as staged
where not exists (
    select 1 from {{ source('service_csv', 'service_records') }} as raw_lines
    where
        trim(raw_lines.task_number) = staged.task_number
        and trim(raw_lines.part_number) = staged.part_number
)

union all

select 'note' as entity, staged.note_key as entity_key
from {{ ref('stg_service_csv__sr_notes') }} as staged
where not exists (
    select 1 from {{ source('service_csv', 'service_records') }} as raw_lines
    where
        trim(raw_lines.sr_number) = staged.sr_number
        and raw_lines._file_key = staged.file_key
        and raw_lines._file_etag = staged.file_etag
)
