-- Bookings: one row per (database, booking), the latest version (doc block app_db_dedup_rule):
-- who booked which vendor's service, where, with which promotion, its lifecycle timestamps and
-- status, and its amounts in cents. The largest table; a view (every build reads the latest
-- versions afresh), fct_marketplace_bookings is the incremental one.

with

source as (

    select * from {{ app_db_source('bookings') }}

),

keys as (

    select * from {{ app_db_source('keys_bookings') }}

),

key_sets as (

    {{ app_db_key_sets('bookings') }}

),

typed as (

    select
        _database as database_name,
        cast(id as bigint) as booking_id,
        cast(user_id as bigint) as user_id,
        cast(vendor_id as bigint) as vendor_id,
        cast(vendor_service_id as bigint) as vendor_service_id,
        cast(address_id as bigint) as address_id,
        cast(promotion_id as bigint) as promotion_id,
        lower(trim(status)) as booking_status,
        {{ utc_timestamp('scheduled_start') }} as scheduled_start_at,
        {{ utc_timestamp('scheduled_end') }} as scheduled_end_at,
        cast(subtotal_cents as bigint) as subtotal_cents,
        cast(discount_cents as bigint) as discount_cents,
        cast(total_cents as bigint) as total_cents,
        {{ utc_timestamp('vendor_responded_at') }} as vendor_responded_at,
        {{ utc_timestamp('completed_at') }} as completed_at,
        {{ utc_timestamp('cancelled_at') }} as cancelled_at,
        lower(trim(cancelled_by)) as cancelled_by,
        {{ nullif_blank('trim(cancellation_reason)') }} as cancellation_reason,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, booking_id', 'updated_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'booking_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        booking_id,
        user_id,
        vendor_id,
        vendor_service_id,
        address_id,
        promotion_id,
        booking_status,
        scheduled_start_at,
        scheduled_end_at,
        subtotal_cents,
        discount_cents,
        total_cents,
        vendor_responded_at,
        completed_at,
        cancelled_at,
        cancelled_by,
        cancellation_reason,
        created_at,
        updated_at,
        -- No soft delete at the source: a booking is cancelled, never deleted.
        false as is_deleted,
        is_hard_deleted,
        case when is_hard_deleted then {{ utc_timestamp('keys_extracted_at') }} end as hard_deleted_detected_at,
        extracted_at,
        dlt_load_id

    from flagged

)

select * from final
