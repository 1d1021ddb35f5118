-- No feature of customer_churn_features may see an event on or after its as-of date. Counted
-- again here from the operations marts, independently of int_customer_events_unioned: for each
-- (customer, as-of date) row, a feature may not exceed what happened strictly before the as-of
-- date, and the last completed service must be before it. Returns the leaking rows.

with

features as (

    select * from {{ ref('customer_churn_features') }}

),

appointments as (

    select * from {{ ref('fct_appointments') }}

),

tickets as (

    select * from {{ ref('fct_tickets') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

completed_before_as_of as (

    select
        features.customer_as_of_key,
        count(*) as completed_appointments

    from features
    inner join appointments
        on features.customer_key = appointments.customer_key
        and appointments.is_completed
        and cast(appointments.completed_at as date) < features.as_of_date
    group by features.customer_as_of_key

),

billed_before_as_of as (

    select
        features.customer_as_of_key,
        sum(tickets.billed_amount) as billed_amount

    from features
    inner join tickets
        on features.customer_key = tickets.customer_key
        and tickets.is_active
        and cast(tickets.created_at as date) < features.as_of_date
    group by features.customer_as_of_key

)

select
    features.customer_as_of_key,
    features.completed_appointments_last_365_days,
    completed_before_as_of.completed_appointments as completed_before_as_of,
    features.billed_to_date,
    billed_before_as_of.billed_amount as billed_before_as_of,
    features.days_since_last_completed_service,
    features.tenure_days

from features
left join completed_before_as_of
    on features.customer_as_of_key = completed_before_as_of.customer_as_of_key
left join billed_before_as_of
    on features.customer_as_of_key = billed_before_as_of.customer_as_of_key
left join customers
    on features.customer_key = customers.customer_key
where
    features.completed_appointments_last_365_days > coalesce(completed_before_as_of.completed_appointments, 0)
    or features.billed_to_date > coalesce(billed_before_as_of.billed_amount, 0)
    or features.days_since_last_completed_service < 1
    or features.tenure_days < 1
    or cast(customers.added_at as date) >= features.as_of_date
    or cast(customers.cancelled_at as date) < features.as_of_date
