-- One row per vendor per as-of date (weekly, doc block marketplace_as_of_rule) while the vendor
-- existed: joined before the as-of date and not deleted before it. Every feature is computed
-- only from what was known strictly before the as-of date (doc block
-- marketplace_point_in_time_rule): bookings by their request, response, completion and
-- cancellation times; reviews whose current version was written before it (a review edited or
-- withdrawn since is left out: its rating then is not known here); the status, commission rate
-- and prices valid on the as-of date, from the vendors and vendor_prices snapshots.
-- vendor_category is set when the vendor joins and never changes. Hard-deleted rows are left out.

with

users as (

    select * from {{ ref('stg_app_db__users') }}
    where not is_hard_deleted

),

vendors as (

    select * from {{ ref('stg_app_db__vendors') }}
    where not is_hard_deleted

),

bookings as (

    select * from {{ ref('stg_app_db__bookings') }}
    where not is_hard_deleted

),

reviews as (

    select * from {{ ref('stg_app_db__reviews') }}
    where not is_hard_deleted

),

services as (

    select * from {{ ref('stg_app_db__vendor_services') }}

),

vendor_versions as (

    select * from {{ ref('app_db_vendors_snapshot') }}
    where dbt_is_deleted = 'False'

),

price_versions as (

    select * from {{ ref('app_db_vendor_prices_snapshot') }}
    where dbt_is_deleted = 'False'

),

as_of_dates as (

    {{ marketplace_as_of_dates('users', 'bookings') }}

),

vendors_as_of as (

    select
        vendors.database_name,
        vendors.vendor_id,
        vendors.vendor_category,
        vendors.created_at as joined_at,
        as_of_dates.as_of_date,
        cast({{ dbt.dateadd('day', -90, 'as_of_dates.as_of_date') }} as date) as trailing_90_days_start

    from vendors
    inner join as_of_dates
        on
            vendors.created_at < as_of_dates.as_of_date
            and (vendors.deleted_at is null or vendors.deleted_at >= as_of_dates.as_of_date)

),

-- The only join to bookings: requested strictly before the as-of date, each outcome and the
-- response counted only when its own time is before it too.
booking_features as (

    select
        vendors_as_of.database_name,
        vendors_as_of.vendor_id,
        vendors_as_of.as_of_date,
        count(*) as bookings_before,
        sum(
            case when bookings.created_at >= vendors_as_of.trailing_90_days_start then 1 else 0 end
        ) as bookings_last_90_days,
        sum(case when bookings.completed_at < vendors_as_of.as_of_date then 1 else 0 end) as completed_bookings_before,
        sum(case when bookings.cancelled_at < vendors_as_of.as_of_date then 1 else 0 end) as cancelled_bookings_before,
        sum(
            case
                when bookings.cancelled_at < vendors_as_of.as_of_date and bookings.cancelled_by = 'vendor' then 1
                else 0
            end
        ) as vendor_cancelled_bookings_before,
        sum(
            case when bookings.vendor_responded_at < vendors_as_of.as_of_date then 1 else 0 end
        ) as responded_bookings_before,
        {{ median(
            "case when bookings.vendor_responded_at < vendors_as_of.as_of_date then "
            ~ dbt.datediff('bookings.created_at', 'bookings.vendor_responded_at', 'second')
            ~ " / 60.0 end"
        ) }} as median_response_minutes_before

    from vendors_as_of
    inner join bookings
        on
            vendors_as_of.database_name = bookings.database_name
            and vendors_as_of.vendor_id = bookings.vendor_id
            and bookings.created_at < vendors_as_of.as_of_date
    group by vendors_as_of.database_name, vendors_as_of.vendor_id, vendors_as_of.as_of_date

),

review_features as (

    select
        vendors_as_of.database_name,
        vendors_as_of.vendor_id,
        vendors_as_of.as_of_date,
        count(*) as reviews_before,
        avg(cast(reviews.rating as numeric(18, 4))) as average_rating_before

    from vendors_as_of
    inner join reviews
        on
            vendors_as_of.database_name = reviews.database_name
            and vendors_as_of.vendor_id = reviews.vendor_id
            and reviews.updated_at < vendors_as_of.as_of_date
            and reviews.deleted_at is null
    group by vendors_as_of.database_name, vendors_as_of.vendor_id, vendors_as_of.as_of_date

),

-- The vendor's version valid on the as-of date: written before it, not yet replaced.
vendor_state as (

    select
        vendors_as_of.database_name,
        vendors_as_of.vendor_id,
        vendors_as_of.as_of_date,
        vendor_versions.vendor_status,
        vendor_versions.commission_rate

    from vendors_as_of
    inner join vendor_versions
        on
            vendors_as_of.database_name = vendor_versions.database_name
            and vendors_as_of.vendor_id = vendor_versions.vendor_id
            and vendor_versions.dbt_valid_from < vendors_as_of.as_of_date
            and (vendor_versions.dbt_valid_to is null or vendor_versions.dbt_valid_to >= vendors_as_of.as_of_date)

),

-- Each service's price valid on the as-of date, with what the service is (set when created).
prices_as_of as (

    select
        vendors_as_of.database_name,
        vendors_as_of.vendor_id,
        vendors_as_of.as_of_date,
        services.service_type,
        services.price_unit,
        price_versions.price_cents

    from vendors_as_of
    inner join services
        on
            vendors_as_of.database_name = services.database_name
            and vendors_as_of.vendor_id = services.vendor_id
    inner join price_versions
        on
            services.database_name = price_versions.database_name
            and services.vendor_service_id = price_versions.vendor_service_id
            and price_versions.dbt_valid_from < vendors_as_of.as_of_date
            and (price_versions.dbt_valid_to is null or price_versions.dbt_valid_to >= vendors_as_of.as_of_date)

),

-- The going rate of a kind of service on an as-of date: the median price of every vendor's
-- services of that type and unit.
market_prices as (

    select
        database_name,
        as_of_date,
        service_type,
        price_unit,
        {{ median('price_cents') }} as median_price_cents

    from prices_as_of
    group by database_name, as_of_date, service_type, price_unit

),

price_features as (

    select
        prices_as_of.database_name,
        prices_as_of.vendor_id,
        prices_as_of.as_of_date,
        count(*) as priced_services,
        avg(cast(prices_as_of.price_cents as numeric(18, 4))) as average_price_cents,
        avg(
            case
                when market_prices.median_price_cents > 0
                    then cast(prices_as_of.price_cents as numeric(18, 4))
                    / cast(market_prices.median_price_cents as numeric(18, 4))
            end
        ) as price_index

    from prices_as_of
    inner join market_prices
        on
            prices_as_of.database_name = market_prices.database_name
            and prices_as_of.as_of_date = market_prices.as_of_date
            and prices_as_of.service_type = market_prices.service_type
            and prices_as_of.price_unit = market_prices.price_unit
    group by prices_as_of.database_name, prices_as_of.vendor_id, prices_as_of.as_of_date

),

final as (

    select
        cast(vendors_as_of.database_name as varchar) as database_name,
        cast(vendors_as_of.vendor_id as bigint) as vendor_id,
        cast(vendors_as_of.as_of_date as date) as as_of_date,
        cast(vendors_as_of.vendor_category as varchar) as vendor_category,
        cast(
            {{ dbt.datediff('cast(vendors_as_of.joined_at as date)', 'vendors_as_of.as_of_date', 'day') }} as integer
        ) as tenure_days,
        cast(vendor_state.vendor_status as varchar) as vendor_status,
        cast(vendor_state.commission_rate as numeric(5, 4)) as commission_rate,
        cast(coalesce(booking_features.bookings_before, 0) as integer) as bookings_before,
        cast(coalesce(booking_features.bookings_last_90_days, 0) as integer) as bookings_last_90_days,
        cast(coalesce(booking_features.completed_bookings_before, 0) as integer) as completed_bookings_before,
        cast(coalesce(booking_features.cancelled_bookings_before, 0) as integer) as cancelled_bookings_before,
        cast(
            coalesce(booking_features.vendor_cancelled_bookings_before, 0) as integer
        ) as vendor_cancelled_bookings_before,
        {%- for rate, cancelled in [
            ('cancellation_rate_before', 'cancelled_bookings_before'),
            ('vendor_cancellation_rate_before', 'vendor_cancelled_bookings_before'),
        ] %}
        cast(
            case
                when booking_features.bookings_before > 0
                    then cast(booking_features.{{ cancelled }} as numeric(18, 4)) / booking_features.bookings_before
            end as numeric(9, 4)
        ) as {{ rate }},
        {%- endfor %}
        cast(coalesce(booking_features.responded_bookings_before, 0) as integer) as responded_bookings_before,
        cast(booking_features.median_response_minutes_before as numeric(18, 2)) as median_response_minutes_before,
        cast(coalesce(review_features.reviews_before, 0) as integer) as reviews_before,
        cast(round(review_features.average_rating_before, 2) as numeric(4, 2)) as average_rating_before,
        cast(coalesce(price_features.priced_services, 0) as integer) as priced_services,
        cast(round(price_features.average_price_cents / 100, 2) as numeric(18, 2)) as average_price_amount,
        cast(round(price_features.price_index, 4) as numeric(9, 4)) as price_index

    from vendors_as_of
    left join vendor_state
        on
            vendors_as_of.database_name = vendor_state.database_name
            and vendors_as_of.vendor_id = vendor_state.vendor_id
            and vendors_as_of.as_of_date = vendor_state.as_of_date
    left join booking_features
        on
            vendors_as_of.database_name = booking_features.database_name
            and vendors_as_of.vendor_id = booking_features.vendor_id
            and vendors_as_of.as_of_date = booking_features.as_of_date
    left join review_features
        on
            vendors_as_of.database_name = review_features.database_name
            and vendors_as_of.vendor_id = review_features.vendor_id
            and vendors_as_of.as_of_date = review_features.as_of_date
    left join price_features
        on
            vendors_as_of.database_name = price_features.database_name
            and vendors_as_of.vendor_id = price_features.vendor_id
            and vendors_as_of.as_of_date = price_features.as_of_date

)

select * from final
