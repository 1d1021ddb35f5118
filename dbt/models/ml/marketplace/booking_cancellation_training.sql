-- One row per booking (database_name, booking_id) as of its request: what kind of service, when
-- it was requested, and the customer's and the vendor's features as of the last weekly as-of
-- date strictly before the request (feature_as_of_date), with the label was_cancelled (doc
-- block marketplace_cancellation_training_rule). The features come from user_booking_features
-- and vendor_booking_features, which see only events before their as-of date: nothing here
-- knows what happened after the booking was requested but the label. The booking's own amounts
-- and schedule are left out: an edit after the request changes them in place.

with

bookings as (

    select * from {{ ref('stg_app_db__bookings') }}
    where not is_hard_deleted

),

services as (

    select * from {{ ref('stg_app_db__vendor_services') }}

),

user_features as (

    select * from {{ ref('user_booking_features') }}

),

vendor_features as (

    select * from {{ ref('vendor_booking_features') }}

),

-- The as-of dates are Mondays (week starts): the last one strictly before the request is the
-- request's own week start, or the one before when the request came at midnight on a Monday.
requests as (

    select
        bookings.database_name,
        bookings.booking_id,
        bookings.user_id,
        bookings.vendor_id,
        bookings.vendor_service_id,
        bookings.created_at,
        bookings.booking_status,
        case
            when bookings.created_at > {{ dbt.date_trunc('week', 'bookings.created_at') }}
                then cast({{ dbt.date_trunc('week', 'bookings.created_at') }} as date)
            else cast({{ dbt.dateadd('day', -7, dbt.date_trunc('week', 'bookings.created_at')) }} as date)
        end as feature_as_of_date

    from bookings

),

final as (

    select
        cast(requests.database_name as varchar) as database_name,
        cast(requests.booking_id as bigint) as booking_id,
        cast(requests.user_id as bigint) as user_id,
        cast(requests.vendor_id as bigint) as vendor_id,
        cast(requests.created_at as timestamp) as created_at,
        cast(requests.feature_as_of_date as date) as feature_as_of_date,
        cast(services.service_type as varchar) as service_type,
        cast(services.price_unit as varchar) as price_unit,
        cast(extract(hour from requests.created_at) as integer) as created_hour,
        cast(user_features.as_of_date is not null as boolean) as has_user_features,
        cast(user_features.tenure_days as integer) as user_tenure_days,
        cast(user_features.signup_channel as varchar) as user_signup_channel,
        cast(user_features.bookings_before as integer) as user_bookings_before,
        cast(user_features.bookings_last_90_days as integer) as user_bookings_last_90_days,
        cast(user_features.completed_bookings_before as integer) as user_completed_bookings_before,
        cast(user_features.cancelled_bookings_before as integer) as user_cancelled_bookings_before,
        cast(user_features.customer_cancelled_bookings_before as integer) as user_customer_cancelled_bookings_before,
        cast(user_features.cancellation_rate_before as numeric(9, 4)) as user_cancellation_rate_before,
        cast(user_features.paid_amount_before as numeric(18, 2)) as user_paid_amount_before,
        cast(user_features.refunds_requested_before as integer) as user_refunds_requested_before,
        cast(user_features.days_since_last_booking as integer) as user_days_since_last_booking,
        cast(vendor_features.as_of_date is not null as boolean) as has_vendor_features,
        cast(vendor_features.vendor_category as varchar) as vendor_category,
        cast(vendor_features.tenure_days as integer) as vendor_tenure_days,
        cast(vendor_features.vendor_status as varchar) as vendor_status,
        cast(vendor_features.commission_rate as numeric(5, 4)) as vendor_commission_rate,
        cast(vendor_features.bookings_before as integer) as vendor_bookings_before,
        cast(vendor_features.bookings_last_90_days as integer) as vendor_bookings_last_90_days,
        cast(vendor_features.cancellation_rate_before as numeric(9, 4)) as vendor_cancellation_rate_before,
        cast(
            vendor_features.vendor_cancellation_rate_before as numeric(9, 4)
        ) as vendor_vendor_cancellation_rate_before,
        cast(vendor_features.median_response_minutes_before as numeric(18, 2)) as vendor_median_response_minutes_before,
        cast(vendor_features.reviews_before as integer) as vendor_reviews_before,
        cast(vendor_features.average_rating_before as numeric(4, 2)) as vendor_average_rating_before,
        cast(vendor_features.price_index as numeric(9, 4)) as vendor_price_index,
        cast(requests.booking_status = 'cancelled' as boolean) as was_cancelled,
        cast(requests.booking_status in ('completed', 'cancelled', 'no_show') as boolean) as label_is_final

    from requests
    left join services
        on
            requests.database_name = services.database_name
            and requests.vendor_service_id = services.vendor_service_id
    left join user_features
        on
            requests.database_name = user_features.database_name
            and requests.user_id = user_features.user_id
            and requests.feature_as_of_date = user_features.as_of_date
    left join vendor_features
        on
            requests.database_name = vendor_features.database_name
            and requests.vendor_id = vendor_features.vendor_id
            and requests.feature_as_of_date = vendor_features.as_of_date

)

select * from final
