{{ config(tags=['raw_audit']) }}

-- Reconciliation of the incremental service-request model with RAW: whatever order files
-- arrived and were re-uploaded in, and however many incremental runs merged them, each request
-- is staged with the newest close time any of its RAW lines has (NULL only when no line has
-- one), per the dedup rule. Rows returned are requests held at another version.
-- Reads all of RAW, so it runs in the daily full build only: the 4-hourly builds exclude
-- tag:raw_audit (docs/cron.example) and cost what the change costs, not what RAW holds.

with

raw_versions as (

    select
        trim(sr_number) as sr_number,
        max({{ safe_timestamp('sr_closed_at') }}) as newest_closed_at

    from {{ source('service_csv', 'service_records') }}
    where trim(sr_number) <> ''
    group by trim(sr_number)

)

select
    raw_versions.sr_number,
    raw_versions.newest_closed_at,
    staged.sr_closed_at as staged_closed_at

from raw_versions
left join {{ ref('stg_service_csv__service_requests') }} as staged
    on raw_versions.sr_number = staged.sr_number
where
    staged.sr_number is null
    or not (
        staged.sr_closed_at = raw_versions.newest_closed_at
        or (staged.sr_closed_at is null and raw_versions.newest_closed_at is null)
    )
