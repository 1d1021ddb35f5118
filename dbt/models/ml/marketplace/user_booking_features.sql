-- One row per customer per as-of date (weekly, doc block marketplace_as_of_rule) while the
-- customer existed: signed up before the as-of date and not deleted before it. Every feature is
-- computed only from events timestamped strictly before the as-of date (a booking's request,
-- completion and cancellation times, a payment's capture time, a refund's request time), never
-- from a row's current status: doc block marketplace_point_in_time_rule. signup_channel is set
-- at sign-up and never changes. Hard-deleted rows are left out.

with

users as (

    select * from {{ ref('stg_app_db__users') }}
    where not is_hard_deleted

),

bookings as (

    select * from {{ ref('stg_app_db__bookings') }}
    where not is_hard_deleted

),

payments as (

    select * from {{ ref('stg_app_db__payments') }}
    where not is_hard_deleted

),

refunds as (

    select * from {{ ref('stg_app_db__refunds') }}
    where not is_hard_deleted

),

as_of_dates as (

    {{ marketplace_as_of_dates('users', 'bookings') }}

),

users_as_of as (

    select
        users.database_name,
        users.user_id,
        users.signup_channel,
        users.created_at as signed_up_at,
        as_of_dates.as_of_date,
        cast({{ dbt.dateadd('day', -90, 'as_of_dates.as_of_date') }} as date) as trailing_90_days_start

    from users
    inner join as_of_dates
        on
            users.created_at < as_of_dates.as_of_date
            and (users.deleted_at is null or users.deleted_at >= as_of_dates.as_of_date)

),

-- The only join to bookings: requested strictly before the as-of date, and each outcome counted
-- only when its own time is before it too.
booking_features as (

    select
        users_as_of.database_name,
        users_as_of.user_id,
        users_as_of.as_of_date,
        count(*) as bookings_before,
        sum(
            case when bookings.created_at >= users_as_of.trailing_90_days_start then 1 else 0 end
        ) as bookings_last_90_days,
        sum(case when bookings.completed_at < users_as_of.as_of_date then 1 else 0 end) as completed_bookings_before,
        sum(case when bookings.cancelled_at < users_as_of.as_of_date then 1 else 0 end) as cancelled_bookings_before,
        sum(
            case
                when bookings.cancelled_at < users_as_of.as_of_date and bookings.cancelled_by = 'customer' then 1
                else 0
            end
        ) as customer_cancelled_bookings_before,
        max(bookings.created_at) as last_booking_at,
        max(
            case when bookings.completed_at < users_as_of.as_of_date then bookings.completed_at end
        ) as last_completed_at

    from users_as_of
    inner join bookings
        on
            users_as_of.database_name = bookings.database_name
            and users_as_of.user_id = bookings.user_id
            and bookings.created_at < users_as_of.as_of_date
    group by users_as_of.database_name, users_as_of.user_id, users_as_of.as_of_date

),

-- Each capture and refund request as an event of the customer who booked, so every feature
-- join below matches the customer first and the time second. Grouped per customer and moment:
-- the grouping also keeps a planner (PostgreSQL's, misjudging the staging views' sizes) from
-- joining the refunds to every customer's as-of dates before matching the customer.
payment_events as (

    select
        bookings.database_name,
        bookings.user_id,
        payments.paid_at,
        sum(payments.amount_cents) as amount_cents

    from payments
    inner join bookings
        on
            payments.database_name = bookings.database_name
            and payments.booking_id = bookings.booking_id
    where payments.paid_at is not null
    group by bookings.database_name, bookings.user_id, payments.paid_at

),

-- Refunds requested, whatever became of them later (their status now is not what was known on
-- an earlier as-of date).
refund_events as (

    select
        bookings.database_name,
        bookings.user_id,
        refunds.created_at as requested_at,
        count(*) as refund_count,
        sum(refunds.amount_cents) as amount_cents

    from refunds
    inner join payments
        on
            refunds.database_name = payments.database_name
            and refunds.payment_id = payments.payment_id
    inner join bookings
        on
            payments.database_name = bookings.database_name
            and payments.booking_id = bookings.booking_id
    group by bookings.database_name, bookings.user_id, refunds.created_at

),

payment_features as (

    select
        users_as_of.database_name,
        users_as_of.user_id,
        users_as_of.as_of_date,
        sum(payment_events.amount_cents) as paid_cents_before

    from users_as_of
    inner join payment_events
        on
            users_as_of.database_name = payment_events.database_name
            and users_as_of.user_id = payment_events.user_id
            and payment_events.paid_at < users_as_of.as_of_date
    group by users_as_of.database_name, users_as_of.user_id, users_as_of.as_of_date

),

refund_features as (

    select
        users_as_of.database_name,
        users_as_of.user_id,
        users_as_of.as_of_date,
        sum(refund_events.refund_count) as refunds_requested_before,
        sum(refund_events.amount_cents) as refund_requested_cents_before

    from users_as_of
    inner join refund_events
        on
            users_as_of.database_name = refund_events.database_name
            and users_as_of.user_id = refund_events.user_id
            and refund_events.requested_at < users_as_of.as_of_date
    group by users_as_of.database_name, users_as_of.user_id, users_as_of.as_of_date

),

final as (

    select
        cast(users_as_of.database_name as varchar) as database_name,
        cast(users_as_of.user_id as bigint) as user_id,
        cast(users_as_of.as_of_date as date) as as_of_date,
        cast(users_as_of.signup_channel as varchar) as signup_channel,
        cast(
            {{ dbt.datediff('cast(users_as_of.signed_up_at as date)', 'users_as_of.as_of_date', 'day') }} as integer
        ) as tenure_days,
        cast(coalesce(booking_features.bookings_before, 0) as integer) as bookings_before,
        cast(coalesce(booking_features.bookings_last_90_days, 0) as integer) as bookings_last_90_days,
        cast(coalesce(booking_features.completed_bookings_before, 0) as integer) as completed_bookings_before,
        cast(coalesce(booking_features.cancelled_bookings_before, 0) as integer) as cancelled_bookings_before,
        cast(
            coalesce(booking_features.customer_cancelled_bookings_before, 0) as integer
        ) as customer_cancelled_bookings_before,
        cast(
            case
                when booking_features.bookings_before > 0
                    then cast(booking_features.cancelled_bookings_before as numeric(18, 4))
                    / booking_features.bookings_before
            end as numeric(9, 4)
        ) as cancellation_rate_before,
        {{ cents_to_dollars('coalesce(payment_features.paid_cents_before, 0)') }} as paid_amount_before,
        cast(coalesce(refund_features.refunds_requested_before, 0) as integer) as refunds_requested_before,
        {{ cents_to_dollars('coalesce(refund_features.refund_requested_cents_before, 0)') }}
            as refund_requested_amount_before,
        cast(
            {{ dbt.datediff('cast(booking_features.last_booking_at as date)', 'users_as_of.as_of_date', 'day') }}
            as integer
        ) as days_since_last_booking,
        cast(
            {{ dbt.datediff('cast(booking_features.last_completed_at as date)', 'users_as_of.as_of_date', 'day') }}
            as integer
        ) as days_since_last_completed_booking

    from users_as_of
    left join booking_features
        on
            users_as_of.database_name = booking_features.database_name
            and users_as_of.user_id = booking_features.user_id
            and users_as_of.as_of_date = booking_features.as_of_date
    left join payment_features
        on
            users_as_of.database_name = payment_features.database_name
            and users_as_of.user_id = payment_features.user_id
            and users_as_of.as_of_date = payment_features.as_of_date
    left join refund_features
        on
            users_as_of.database_name = refund_features.database_name
            and users_as_of.user_id = refund_features.user_id
            and users_as_of.as_of_date = refund_features.as_of_date

)

select * from final
