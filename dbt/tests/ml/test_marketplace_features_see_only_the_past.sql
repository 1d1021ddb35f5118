-- No feature of the marketplace ML tables may see an event on or after its as-of date (doc block
-- marketplace_point_in_time_rule). Recounted here the slow, obvious way from the marts, one join
-- per feature, independently of the models' own CTEs: for each (entity, as-of date) row, the
-- bookings, outcomes and payments must be exactly those timestamped strictly before the as-of
-- date, the entity must have existed before it, and every training row must take its features
-- from the last as-of date strictly before its request. Returns the rows that disagree.

with

user_features as (

    select * from {{ ref('user_booking_features') }}

),

vendor_features as (

    select * from {{ ref('vendor_booking_features') }}

),

training as (

    select * from {{ ref('booking_cancellation_training') }}

),

users as (

    select * from {{ ref('dim_marketplace_users') }}

),

vendors as (

    select * from {{ ref('dim_marketplace_vendors') }}

),

bookings as (

    select * from {{ ref('fct_marketplace_bookings') }}
    where not is_hard_deleted

),

payments as (

    select * from {{ ref('fct_marketplace_payments') }}
    where not is_hard_deleted

),

user_bookings_before as (

    select
        user_features.database_name,
        user_features.user_id,
        user_features.as_of_date,
        count(bookings.booking_id) as bookings_before,
        sum(case when bookings.completed_at < user_features.as_of_date then 1 else 0 end) as completed_before,
        sum(case when bookings.cancelled_at < user_features.as_of_date then 1 else 0 end) as cancelled_before

    from user_features
    left join bookings
        on
            user_features.database_name = bookings.database_name
            and user_features.user_id = bookings.user_id
            and bookings.created_at < user_features.as_of_date
    group by user_features.database_name, user_features.user_id, user_features.as_of_date

),

user_payments_before as (

    select
        user_features.database_name,
        user_features.user_id,
        user_features.as_of_date,
        sum(payments.amount) as paid_before

    from user_features
    inner join payments
        on
            user_features.database_name = payments.database_name
            and user_features.user_id = payments.user_id
            and payments.paid_at < user_features.as_of_date
    group by user_features.database_name, user_features.user_id, user_features.as_of_date

),

user_leaks as (

    select
        'user_booking_features' as feature_table,
        user_features.database_name,
        user_features.user_id as entity_id,
        user_features.as_of_date

    from user_features
    inner join user_bookings_before
        on
            user_features.database_name = user_bookings_before.database_name
            and user_features.user_id = user_bookings_before.user_id
            and user_features.as_of_date = user_bookings_before.as_of_date
    left join user_payments_before
        on
            user_features.database_name = user_payments_before.database_name
            and user_features.user_id = user_payments_before.user_id
            and user_features.as_of_date = user_payments_before.as_of_date
    left join users
        on
            user_features.database_name = users.database_name
            and user_features.user_id = users.user_id
    where
        user_features.bookings_before <> user_bookings_before.bookings_before
        or user_features.completed_bookings_before <> user_bookings_before.completed_before
        or user_features.cancelled_bookings_before <> user_bookings_before.cancelled_before
        or user_features.paid_amount_before <> coalesce(user_payments_before.paid_before, 0)
        or user_features.days_since_last_booking < 1
        or user_features.days_since_last_completed_booking < 1
        or user_features.tenure_days < 1
        or users.signed_up_at >= user_features.as_of_date
        or users.deleted_at < user_features.as_of_date

),

vendor_bookings_before as (

    select
        vendor_features.database_name,
        vendor_features.vendor_id,
        vendor_features.as_of_date,
        count(bookings.booking_id) as bookings_before,
        sum(case when bookings.cancelled_at < vendor_features.as_of_date then 1 else 0 end) as cancelled_before,
        sum(
            case when bookings.vendor_responded_at < vendor_features.as_of_date then 1 else 0 end
        ) as responded_before

    from vendor_features
    left join bookings
        on
            vendor_features.database_name = bookings.database_name
            and vendor_features.vendor_id = bookings.vendor_id
            and bookings.created_at < vendor_features.as_of_date
    group by vendor_features.database_name, vendor_features.vendor_id, vendor_features.as_of_date

),

vendor_leaks as (

    select
        'vendor_booking_features' as feature_table,
        vendor_features.database_name,
        vendor_features.vendor_id as entity_id,
        vendor_features.as_of_date

    from vendor_features
    inner join vendor_bookings_before
        on
            vendor_features.database_name = vendor_bookings_before.database_name
            and vendor_features.vendor_id = vendor_bookings_before.vendor_id
            and vendor_features.as_of_date = vendor_bookings_before.as_of_date
    left join vendors
        on
            vendor_features.database_name = vendors.database_name
            and vendor_features.vendor_id = vendors.vendor_id
    where
        vendor_features.bookings_before <> vendor_bookings_before.bookings_before
        or vendor_features.cancelled_bookings_before <> vendor_bookings_before.cancelled_before
        or vendor_features.responded_bookings_before <> vendor_bookings_before.responded_before
        or vendor_features.tenure_days < 1
        or vendors.joined_at >= vendor_features.as_of_date
        or vendors.deleted_at < vendor_features.as_of_date

),

-- The features of a training row are those of the last as-of date strictly before its request:
-- before created_at, and less than a week before it.
training_leaks as (

    select
        'booking_cancellation_training' as feature_table,
        training.database_name,
        training.booking_id as entity_id,
        training.feature_as_of_date as as_of_date

    from training
    where
        training.feature_as_of_date >= training.created_at
        or training.feature_as_of_date < {{ dbt.dateadd('day', -7, 'training.created_at') }}

)

select * from user_leaks
union all
select * from vendor_leaks
union all
select * from training_leaks
