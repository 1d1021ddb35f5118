-- One row per customer (database_name, user_id): the hashed identity (no raw personal data: doc
-- block app_db_pii_rule), how and when they signed up, their first and last booking and what
-- they booked. Soft-deleted (is_deleted) and hard-deleted users stay, flagged. Booking counts
-- and GMV leave hard-deleted bookings out.

with

users as (

    select * from {{ ref('stg_app_db__users') }}

),

bookings as (

    select * from {{ ref('fct_marketplace_bookings') }}
    where not is_hard_deleted

),

bookings_per_user as (

    select
        database_name,
        user_id,
        min(created_at) as first_booking_at,
        max(created_at) as last_booking_at,
        count(*) as booking_count,
        sum(case when is_completed then 1 else 0 end) as completed_booking_count,
        sum(case when is_cancelled then 1 else 0 end) as cancelled_booking_count,
        sum(gmv_amount) as lifetime_gmv_amount

    from bookings
    group by database_name, user_id

),

final as (

    select
        cast(users.database_name as varchar) as database_name,
        cast(users.user_id as bigint) as user_id,
        cast(users.email_hash as varchar) as email_hash,
        cast(users.email_domain as varchar) as email_domain,
        cast(users.phone_hash as varchar) as phone_hash,
        cast(users.signup_channel as varchar) as signup_channel,
        cast(users.marketing_opt_in as boolean) as marketing_opt_in,
        cast(users.created_at as timestamp) as signed_up_at,
        cast(users.created_at as date) as signup_date,
        cast({{ dbt.date_trunc('month', 'users.created_at') }} as date) as signup_month,
        cast(bookings_per_user.first_booking_at as timestamp) as first_booking_at,
        cast(bookings_per_user.last_booking_at as timestamp) as last_booking_at,
        cast({{ dbt.date_trunc('month', 'bookings_per_user.first_booking_at') }} as date) as first_booking_month,
        cast(coalesce(bookings_per_user.booking_count, 0) as integer) as booking_count,
        cast(coalesce(bookings_per_user.completed_booking_count, 0) as integer) as completed_booking_count,
        cast(coalesce(bookings_per_user.cancelled_booking_count, 0) as integer) as cancelled_booking_count,
        cast(coalesce(bookings_per_user.lifetime_gmv_amount, 0) as numeric(18, 2)) as lifetime_gmv_amount,
        cast(users.is_deleted as boolean) as is_deleted,
        cast(users.deleted_at as timestamp) as deleted_at,
        cast(users.is_hard_deleted as boolean) as is_hard_deleted

    from users
    left join bookings_per_user
        on
            users.database_name = bookings_per_user.database_name
            and users.user_id = bookings_per_user.user_id

)

select * from final
