-- One row per vendor (database_name, vendor_id): the current version (status, category,
-- commission rate), the contact's hashed email and phone (doc block app_db_pii_rule), its
-- services, and what it earned the marketplace: bookings, GMV and commission (doc block
-- marketplace_gmv_rule), reviews. Soft- and hard-deleted vendors stay, flagged; counts and
-- amounts leave hard-deleted bookings, services and reviews out, and withdrawn reviews too.

with

vendors as (

    select * from {{ ref('stg_app_db__vendors') }}

),

services as (

    select * from {{ ref('stg_app_db__vendor_services') }}
    where not is_hard_deleted

),

bookings as (

    select * from {{ ref('fct_marketplace_bookings') }}
    where not is_hard_deleted

),

reviews as (

    select * from {{ ref('stg_app_db__reviews') }}
    where not is_hard_deleted and not is_deleted

),

services_per_vendor as (

    select
        database_name,
        vendor_id,
        count(*) as service_count,
        sum(case when is_active then 1 else 0 end) as active_service_count

    from services
    group by database_name, vendor_id

),

bookings_per_vendor as (

    select
        database_name,
        vendor_id,
        min(created_at) as first_booking_at,
        max(created_at) as last_booking_at,
        count(*) as booking_count,
        sum(case when is_completed then 1 else 0 end) as completed_booking_count,
        sum(case when is_cancelled then 1 else 0 end) as cancelled_booking_count,
        sum(gmv_amount) as lifetime_gmv_amount,
        sum(commission_amount) as lifetime_commission_amount

    from bookings
    group by database_name, vendor_id

),

reviews_per_vendor as (

    select
        database_name,
        vendor_id,
        count(*) as review_count,
        avg(cast(rating as numeric(18, 4))) as average_rating

    from reviews
    group by database_name, vendor_id

),

final as (

    select
        cast(vendors.database_name as varchar) as database_name,
        cast(vendors.vendor_id as bigint) as vendor_id,
        cast(vendors.business_name as varchar) as business_name,
        cast(vendors.contact_email_hash as varchar) as contact_email_hash,
        cast(vendors.contact_phone_hash as varchar) as contact_phone_hash,
        cast(vendors.vendor_category as varchar) as vendor_category,
        cast(vendors.city as varchar) as city,
        cast(vendors.state as varchar) as state,
        cast(vendors.vendor_status as varchar) as vendor_status,
        cast(vendors.commission_rate as numeric(5, 4)) as commission_rate,
        cast(vendors.created_at as timestamp) as joined_at,
        cast(vendors.updated_at as timestamp) as updated_at,
        cast(coalesce(services_per_vendor.service_count, 0) as integer) as service_count,
        cast(coalesce(services_per_vendor.active_service_count, 0) as integer) as active_service_count,
        cast(bookings_per_vendor.first_booking_at as timestamp) as first_booking_at,
        cast(bookings_per_vendor.last_booking_at as timestamp) as last_booking_at,
        cast(coalesce(bookings_per_vendor.booking_count, 0) as integer) as booking_count,
        cast(coalesce(bookings_per_vendor.completed_booking_count, 0) as integer) as completed_booking_count,
        cast(coalesce(bookings_per_vendor.cancelled_booking_count, 0) as integer) as cancelled_booking_count,
        cast(coalesce(bookings_per_vendor.lifetime_gmv_amount, 0) as numeric(18, 2)) as lifetime_gmv_amount,
        cast(
            coalesce(bookings_per_vendor.lifetime_commission_amount, 0) as numeric(18, 2)
        ) as lifetime_commission_amount,
        cast(coalesce(reviews_per_vendor.review_count, 0) as integer) as review_count,
        cast(round(reviews_per_vendor.average_rating, 2) as numeric(4, 2)) as average_rating,
        cast(vendors.is_deleted as boolean) as is_deleted,
        cast(vendors.deleted_at as timestamp) as deleted_at,
        cast(vendors.is_hard_deleted as boolean) as is_hard_deleted

    from vendors
    left join services_per_vendor
        on
            vendors.database_name = services_per_vendor.database_name
            and vendors.vendor_id = services_per_vendor.vendor_id
    left join bookings_per_vendor
        on
            vendors.database_name = bookings_per_vendor.database_name
            and vendors.vendor_id = bookings_per_vendor.vendor_id
    left join reviews_per_vendor
        on
            vendors.database_name = reviews_per_vendor.database_name
            and vendors.vendor_id = reviews_per_vendor.vendor_id

)

select * from final
