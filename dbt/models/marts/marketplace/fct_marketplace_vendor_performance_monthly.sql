-- Vendor performance per calendar month (UTC) and vendor, for the bookings CREATED in the month
-- (doc block marketplace_vendor_performance_rule): how many were completed, cancelled (by the
-- vendor, the customer or the system) or no-shows, the cancellation rates, and how fast the
-- vendor responded (median minutes from request to acceptance); plus the reviews WRITTEN in the
-- month (withdrawn and moderated ones left out) and their average rating. A month is listed for a
-- vendor with a booking created or a review written in it. Hard-deleted rows are left out.

with

bookings as (

    select * from {{ ref('fct_marketplace_bookings') }}
    where not is_hard_deleted

),

reviews as (

    select * from {{ ref('stg_app_db__reviews') }}
    where not is_hard_deleted and not is_deleted

),

booking_months as (

    select
        database_name,
        vendor_id,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month_start,
        count(*) as bookings_created,
        sum(case when is_completed then 1 else 0 end) as bookings_completed,
        sum(case when is_cancelled then 1 else 0 end) as bookings_cancelled,
        sum(case when is_no_show then 1 else 0 end) as bookings_no_show,
        sum(case when is_cancelled and cancelled_by = 'vendor' then 1 else 0 end) as cancelled_by_vendor,
        sum(case when is_cancelled and cancelled_by = 'customer' then 1 else 0 end) as cancelled_by_customer,
        sum(case when is_cancelled and cancelled_by = 'system' then 1 else 0 end) as cancelled_by_system,
        count(vendor_response_minutes) as responded_bookings,
        {{ median('vendor_response_minutes') }} as median_response_minutes

    from bookings
    group by database_name, vendor_id, cast({{ dbt.date_trunc('month', 'created_at') }} as date)

),

review_months as (

    select
        database_name,
        vendor_id,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month_start,
        count(*) as review_count,
        avg(cast(rating as numeric(18, 4))) as average_rating

    from reviews
    group by database_name, vendor_id, cast({{ dbt.date_trunc('month', 'created_at') }} as date)

),

vendor_months as (

    select database_name, vendor_id, month_start from booking_months
    union
    select database_name, vendor_id, month_start from review_months

),

monthly as (

    select
        vendor_months.database_name,
        vendor_months.vendor_id,
        vendor_months.month_start,
        coalesce(booking_months.bookings_created, 0) as bookings_created,
        coalesce(booking_months.bookings_completed, 0) as bookings_completed,
        coalesce(booking_months.bookings_cancelled, 0) as bookings_cancelled,
        coalesce(booking_months.bookings_no_show, 0) as bookings_no_show,
        coalesce(booking_months.cancelled_by_vendor, 0) as cancelled_by_vendor,
        coalesce(booking_months.cancelled_by_customer, 0) as cancelled_by_customer,
        coalesce(booking_months.cancelled_by_system, 0) as cancelled_by_system,
        coalesce(booking_months.responded_bookings, 0) as responded_bookings,
        booking_months.median_response_minutes,
        coalesce(review_months.review_count, 0) as review_count,
        review_months.average_rating

    from vendor_months
    left join booking_months
        on
            vendor_months.database_name = booking_months.database_name
            and vendor_months.vendor_id = booking_months.vendor_id
            and vendor_months.month_start = booking_months.month_start
    left join review_months
        on
            vendor_months.database_name = review_months.database_name
            and vendor_months.vendor_id = review_months.vendor_id
            and vendor_months.month_start = review_months.month_start

),

final as (

    select
        cast(database_name as varchar) as database_name,
        cast(vendor_id as bigint) as vendor_id,
        cast(month_start as date) as month_start,
        cast(bookings_created as integer) as bookings_created,
        cast(bookings_completed as integer) as bookings_completed,
        cast(bookings_cancelled as integer) as bookings_cancelled,
        cast(bookings_no_show as integer) as bookings_no_show,
        cast(cancelled_by_vendor as integer) as cancelled_by_vendor,
        cast(cancelled_by_customer as integer) as cancelled_by_customer,
        cast(cancelled_by_system as integer) as cancelled_by_system,
        {%- for rate, cancelled in [
            ('cancellation_rate', 'bookings_cancelled'),
            ('vendor_cancellation_rate', 'cancelled_by_vendor'),
            ('customer_cancellation_rate', 'cancelled_by_customer'),
        ] %}
        cast(
            case when bookings_created > 0 then cast({{ cancelled }} as numeric(18, 4)) / bookings_created end
            as numeric(9, 4)
        ) as {{ rate }},
        {%- endfor %}
        cast(responded_bookings as integer) as responded_bookings,
        cast(median_response_minutes as numeric(18, 2)) as median_response_minutes,
        cast(review_count as integer) as review_count,
        cast(round(average_rating, 2) as numeric(4, 2)) as average_rating

    from monthly

)

select * from final
