-- Booking items: one row per (database, item). Insert-only at the source (no updated_at; the
-- cursor is created_at): when a booking is edited its items are HARD deleted and new ones
-- inserted, so a booking's current items are those with is_hard_deleted false (doc block
-- app_db_hard_delete_rule). line_total_cents is quantity x unit price.

with

source as (

    select * from {{ app_db_source('booking_items') }}

),

keys as (

    select * from {{ app_db_source('keys_booking_items') }}

),

key_sets as (

    {{ app_db_key_sets('booking_items') }}

),

typed as (

    select
        _database as database_name,
        cast(id as bigint) as booking_item_id,
        cast(booking_id as bigint) as booking_id,
        cast(vendor_price_id as bigint) as vendor_price_id,
        {{ nullif_blank('trim(description)') }} as item_description,
        cast(quantity as integer) as quantity,
        cast(unit_price_cents as bigint) as unit_price_cents,
        {{ utc_timestamp('created_at') }} as created_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, booking_item_id', 'created_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'booking_item_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        booking_item_id,
        booking_id,
        vendor_price_id,
        item_description,
        quantity,
        unit_price_cents,
        cast(quantity * unit_price_cents as bigint) as line_total_cents,
        created_at,
        -- No soft delete at the source: an edited booking's items are deleted (hard).
        false as is_deleted,
        is_hard_deleted,
        case when is_hard_deleted then {{ utc_timestamp('keys_extracted_at') }} end as hard_deleted_detected_at,
        extracted_at,
        dlt_load_id

    from flagged

)

select * from final
