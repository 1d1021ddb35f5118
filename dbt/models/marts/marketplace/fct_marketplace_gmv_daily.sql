-- GMV per UTC day and vendor (doc block marketplace_gmv_rule): bookings created, completed and
-- cancelled on the day, the GMV of the bookings completed on the day (their total, after
-- promotions), the commission the marketplace earned on them and the take rate. A day is listed
-- for a vendor when it had a booking created, completed or cancelled. Hard-deleted bookings are
-- left out. Rebuilt whole from fct_marketplace_bookings on every build.

with

bookings as (

    select * from {{ ref('fct_marketplace_bookings') }}
    where not is_hard_deleted

),

created_days as (

    select
        database_name,
        vendor_id,
        booking_date as activity_date,
        count(*) as bookings_created

    from bookings
    group by database_name, vendor_id, booking_date

),

completed_days as (

    select
        database_name,
        vendor_id,
        completed_date as activity_date,
        count(*) as bookings_completed,
        sum(gmv_amount) as gmv_amount,
        sum(commission_amount) as commission_amount

    from bookings
    where is_completed and completed_date is not null
    group by database_name, vendor_id, completed_date

),

cancelled_days as (

    select
        database_name,
        vendor_id,
        cast(cancelled_at as date) as activity_date,
        count(*) as bookings_cancelled

    from bookings
    where is_cancelled and cancelled_at is not null
    group by database_name, vendor_id, cast(cancelled_at as date)

),

vendor_days as (

    select database_name, vendor_id, activity_date from created_days
    union
    select database_name, vendor_id, activity_date from completed_days
    union
    select database_name, vendor_id, activity_date from cancelled_days

),

daily as (

    select
        vendor_days.database_name,
        vendor_days.vendor_id,
        vendor_days.activity_date,
        coalesce(created_days.bookings_created, 0) as bookings_created,
        coalesce(completed_days.bookings_completed, 0) as bookings_completed,
        coalesce(cancelled_days.bookings_cancelled, 0) as bookings_cancelled,
        coalesce(completed_days.gmv_amount, 0) as gmv_amount,
        coalesce(completed_days.commission_amount, 0) as commission_amount

    from vendor_days
    left join created_days
        on
            vendor_days.database_name = created_days.database_name
            and vendor_days.vendor_id = created_days.vendor_id
            and vendor_days.activity_date = created_days.activity_date
    left join completed_days
        on
            vendor_days.database_name = completed_days.database_name
            and vendor_days.vendor_id = completed_days.vendor_id
            and vendor_days.activity_date = completed_days.activity_date
    left join cancelled_days
        on
            vendor_days.database_name = cancelled_days.database_name
            and vendor_days.vendor_id = cancelled_days.vendor_id
            and vendor_days.activity_date = cancelled_days.activity_date

),

final as (

    select
        cast(database_name as varchar) as database_name,
        cast(vendor_id as bigint) as vendor_id,
        cast(activity_date as date) as activity_date,
        cast(bookings_created as integer) as bookings_created,
        cast(bookings_completed as integer) as bookings_completed,
        cast(bookings_cancelled as integer) as bookings_cancelled,
        cast(gmv_amount as numeric(18, 2)) as gmv_amount,
        cast(commission_amount as numeric(18, 2)) as commission_amount,
        cast(
            case when gmv_amount > 0 then commission_amount / gmv_amount end as numeric(9, 4)
        ) as take_rate

    from daily

)

select * from final
