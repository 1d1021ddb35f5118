-- Customer retention by monthly cohort (doc block marketplace_cohort_rule): one row per
-- database, cohort type, cohort month and month since the cohort started. Two cohort types:
-- `signup` (the month the customer signed up) and `first_booking` (the month of their first
-- booking). A customer is active in a month when they requested at least one booking in it
-- (any outcome); retention_rate is active customers / cohort size. Every cohort has a row for
-- every month from its own (month 0) to the newest month in the data, active or not.
-- Hard-deleted users and bookings are left out; soft-deleted users stay in their cohort.

with

users as (

    select * from {{ ref('dim_marketplace_users') }}
    where not is_hard_deleted

),

bookings as (

    select * from {{ ref('fct_marketplace_bookings') }}
    where not is_hard_deleted

),

cohort_members as (

    select
        database_name,
        user_id,
        'signup' as cohort_type,
        signup_month as cohort_month

    from users

    union all

    select
        database_name,
        user_id,
        'first_booking' as cohort_type,
        first_booking_month as cohort_month

    from users
    where first_booking_month is not null

),

cohorts as (

    select
        database_name,
        cohort_type,
        cohort_month,
        count(*) as cohort_size

    from cohort_members
    group by database_name, cohort_type, cohort_month

),

data_bounds as (

    select
        min(cohorts.cohort_month) as first_month,
        max(
            case
                when last_booking.last_booking_month > cohorts.cohort_month then last_booking.last_booking_month
                else cohorts.cohort_month
            end
        ) as last_month

    from cohorts
    cross join (
        select cast({{ dbt.date_trunc('month', 'max(bookings.created_at)') }} as date) as last_booking_month
        from bookings
    ) as last_booking

),

months as (

    select month_starts.month_start
    from (
        {{ month_start_spine(
            '(select data_bounds.first_month from data_bounds)',
            '(select data_bounds.last_month from data_bounds)'
        ) }}
    ) as month_starts
    where month_starts.month_start is not null

),

cohort_months as (

    select
        cohorts.database_name,
        cohorts.cohort_type,
        cohorts.cohort_month,
        cohorts.cohort_size,
        months.month_start as activity_month

    from cohorts
    inner join months
        on months.month_start >= cohorts.cohort_month

),

active_users as (

    select distinct
        database_name,
        user_id,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as activity_month

    from bookings

),

activity as (

    select
        cohort_members.database_name,
        cohort_members.cohort_type,
        cohort_members.cohort_month,
        active_users.activity_month,
        count(*) as active_customers

    from cohort_members
    inner join active_users
        on
            cohort_members.database_name = active_users.database_name
            and cohort_members.user_id = active_users.user_id
            and active_users.activity_month >= cohort_members.cohort_month
    group by
        cohort_members.database_name,
        cohort_members.cohort_type,
        cohort_members.cohort_month,
        active_users.activity_month

),

final as (

    select
        cast(cohort_months.database_name as varchar) as database_name,
        cast(cohort_months.cohort_type as varchar) as cohort_type,
        cast(cohort_months.cohort_month as date) as cohort_month,
        cast(
            {{ dbt.datediff('cohort_months.cohort_month', 'cohort_months.activity_month', 'month') }} as integer
        ) as months_since_cohort,
        cast(cohort_months.activity_month as date) as activity_month,
        cast(cohort_months.cohort_size as integer) as cohort_size,
        cast(coalesce(activity.active_customers, 0) as integer) as active_customers,
        cast(
            cast(coalesce(activity.active_customers, 0) as numeric(18, 4)) / cohort_months.cohort_size
            as numeric(9, 4)
        ) as retention_rate

    from cohort_months
    left join activity
        on
            cohort_months.database_name = activity.database_name
            and cohort_months.cohort_type = activity.cohort_type
            and cohort_months.cohort_month = activity.cohort_month
            and cohort_months.activity_month = activity.activity_month

)

select * from final
