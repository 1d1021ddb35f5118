-- Refunds: one row per (database, refund), the latest version (doc block app_db_dedup_rule):
-- the payment refunded, the amount in cents, why, and whether it went through yet.

with

source as (

    select * from {{ app_db_source('refunds') }}

),

keys as (

    select * from {{ app_db_source('keys_refunds') }}

),

key_sets as (

    {{ app_db_key_sets('refunds') }}

),

typed as (

    select
        _database as database_name,
        cast(id as bigint) as refund_id,
        cast(payment_id as bigint) as payment_id,
        cast(amount_cents as bigint) as amount_cents,
        lower(trim(reason)) as refund_reason,
        lower(trim(status)) as refund_status,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, refund_id', 'updated_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'refund_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        refund_id,
        payment_id,
        amount_cents,
        refund_reason,
        refund_status,
        created_at,
        updated_at,
        -- No soft delete at the source.
        false as is_deleted,
        is_hard_deleted,
        case when is_hard_deleted then {{ utc_timestamp('keys_extracted_at') }} end as hard_deleted_detected_at,
        extracted_at,
        dlt_load_id

    from flagged

)

select * from final
