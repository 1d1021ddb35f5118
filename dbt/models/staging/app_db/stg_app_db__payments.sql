-- Payments: one row per (database, payment), the latest version (doc block app_db_dedup_rule):
-- amount in cents, method, status (which changes: pending, then succeeded or failed, later
-- refunded or partially refunded) and when the charge succeeded.

with

source as (

    select * from {{ app_db_source('payments') }}

),

keys as (

    select * from {{ app_db_source('keys_payments') }}

),

key_sets as (

    {{ app_db_key_sets('payments') }}

),

typed as (

    select
        _database as database_name,
        cast(id as bigint) as payment_id,
        cast(booking_id as bigint) as booking_id,
        cast(amount_cents as bigint) as amount_cents,
        upper(trim(currency)) as currency,
        lower(trim(method)) as payment_method,
        lower(trim(status)) as payment_status,
        {{ nullif_blank('trim(processor_ref)') }} as processor_ref,
        {{ utc_timestamp('paid_at') }} as paid_at,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, payment_id', 'updated_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'payment_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        payment_id,
        booking_id,
        amount_cents,
        currency,
        payment_method,
        payment_status,
        processor_ref,
        paid_at,
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
