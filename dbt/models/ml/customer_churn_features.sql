-- One row per customer per as-of date (the first day of each month while the customer was
-- active). Every feature is computed from events dated strictly before the as-of date; only
-- the label looks ahead. The "now" of the data is the newest event in it, not the wall clock,
-- so a rebuild of an old snapshot gives the same rows.

{%- set label_horizon_days = var('churn_label_horizon_days', 90) %}

with

customers as (

    select * from {{ ref('stg_pestroutes__customers') }}

),

customer_events as (

    select * from {{ ref('int_customer_events_unioned') }}

),

subscriptions as (

    select * from {{ ref('int_subscriptions_annualized') }}

),

data_horizon as (

    select max(customer_events.event_on) as newest_event_on
    from customer_events

),

spine_bounds as (

    -- From the first month start after the first customer signed up to the month the data ends in.
    select
        cast(
            {{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'min(customers.date_added)')) }} as date
        ) as first_as_of_date,
        cast(
            {{ dbt.date_trunc('month', 'max(data_horizon.newest_event_on)') }} as date
        ) as last_as_of_date

    from customers
    cross join data_horizon

),

as_of_dates as (

    select month_starts.month_start as as_of_date
    from (
        {{ month_start_spine(
            '(select spine_bounds.first_as_of_date from spine_bounds)',
            '(select spine_bounds.last_as_of_date from spine_bounds)'
        ) }}
    ) as month_starts
    where month_starts.month_start is not null

),

customers_as_of as (

    -- A customer is in the population of an as-of date when they signed up before it and had
    -- not cancelled before it.
    select
        customers.customer_key,
        customers.office_name,
        as_of_dates.as_of_date,
        cast(customers.date_added as date) as added_on,
        cast(customers.date_cancelled as date) as cancelled_on,
        coalesce(customers.commercial_account, false) as is_commercial,
        customers.source as customer_source,
        cast({{ dbt.dateadd('day', -90, 'as_of_dates.as_of_date') }} as date) as trailing_90_days_start,
        cast({{ dbt.dateadd('day', -365, 'as_of_dates.as_of_date') }} as date) as trailing_365_days_start,
        cast({{ dbt.dateadd('day', label_horizon_days, 'as_of_dates.as_of_date') }} as date) as label_window_end

    from customers
    inner join as_of_dates
        on cast(customers.date_added as date) < as_of_dates.as_of_date
        and (
            customers.date_cancelled is null
            or cast(customers.date_cancelled as date) >= as_of_dates.as_of_date
        )

),

event_features as (

    -- The only join to events, and it keeps events dated strictly before the as-of date.
    select
        customers_as_of.customer_key,
        customers_as_of.as_of_date,
        {%- for outcome in ['completed', 'cancelled', 'rescheduled', 'no_show'] %}
        {%- for window_days in [90, 365] %}
        sum(
            case
                when customer_events.event_type = 'appointment_{{ outcome }}'
                    and customer_events.event_on >= customers_as_of.trailing_{{ window_days }}_days_start
                    then 1
                else 0
            end
        ) as {{ outcome }}_appointments_last_{{ window_days }}_days,
        {%- endfor %}
        {%- endfor %}
        max(
            case when customer_events.event_type = 'appointment_completed' then customer_events.event_on end
        ) as last_completed_service_on,
        sum(
            case when customer_events.event_type = 'ticket_billed' then customer_events.amount else 0 end
        ) as billed_to_date,
        sum(
            case when customer_events.event_type = 'payment_applied' then customer_events.amount else 0 end
        ) as paid_to_date,
        sum(
            case
                when customer_events.event_type = 'note_logged'
                    and customer_events.event_on >= customers_as_of.trailing_90_days_start
                    then 1
                else 0
            end
        ) as notes_last_90_days,
        sum(
            case
                when customer_events.event_type = 'task_created'
                    and customer_events.event_on >= customers_as_of.trailing_90_days_start
                    then 1
                else 0
            end
        ) as tasks_last_90_days

    from customers_as_of
    inner join customer_events
        on customers_as_of.customer_key = customer_events.customer_key
        and customer_events.event_on < customers_as_of.as_of_date
    group by
        customers_as_of.customer_key,
        customers_as_of.as_of_date

),

subscription_features as (

    -- Subscriptions held on the as-of date: sold before it and not cancelled before it.
    select
        customers_as_of.customer_key,
        customers_as_of.as_of_date,
        count(*) as active_subscriptions,
        sum(subscriptions.annual_recurring_value) as active_annual_recurring_value

    from customers_as_of
    inner join subscriptions
        on customers_as_of.customer_key = subscriptions.customer_key
        and subscriptions.active_from_date < customers_as_of.as_of_date
        and (
            subscriptions.active_until_date is null
            or subscriptions.active_until_date >= customers_as_of.as_of_date
        )
    group by
        customers_as_of.customer_key,
        customers_as_of.as_of_date

),

final as (

    select
        cast(
            customers_as_of.customer_key || '|' || cast(customers_as_of.as_of_date as varchar) as varchar
        ) as customer_as_of_key,
        cast(customers_as_of.customer_key as varchar) as customer_key,
        cast(customers_as_of.office_name as varchar) as office_name,
        cast(customers_as_of.as_of_date as date) as as_of_date,
        cast(
            {{ dbt.datediff('customers_as_of.added_on', 'customers_as_of.as_of_date', 'day') }} as integer
        ) as tenure_days,
        cast(customers_as_of.is_commercial as boolean) as is_commercial,
        cast(customers_as_of.customer_source as varchar) as customer_source,
        cast(coalesce(subscription_features.active_subscriptions, 0) as integer) as active_subscriptions,
        cast(
            coalesce(subscription_features.active_annual_recurring_value, 0) as numeric(18, 2)
        ) as active_annual_recurring_value,
        {%- for outcome in ['completed', 'cancelled', 'rescheduled', 'no_show'] %}
        {%- for window_days in [90, 365] %}
        cast(
            coalesce(event_features.{{ outcome }}_appointments_last_{{ window_days }}_days, 0) as integer
        ) as {{ outcome }}_appointments_last_{{ window_days }}_days,
        {%- endfor %}
        {%- endfor %}
        cast(
            {{ dbt.datediff('event_features.last_completed_service_on', 'customers_as_of.as_of_date', 'day') }}
            as integer
        ) as days_since_last_completed_service,
        cast(coalesce(event_features.billed_to_date, 0) as numeric(18, 2)) as billed_to_date,
        cast(coalesce(event_features.paid_to_date, 0) as numeric(18, 2)) as paid_to_date,
        cast(
            coalesce(event_features.billed_to_date, 0) - coalesce(event_features.paid_to_date, 0)
            as numeric(18, 2)
        ) as open_balance,
        cast(coalesce(event_features.notes_last_90_days, 0) as integer) as notes_last_90_days,
        cast(coalesce(event_features.tasks_last_90_days, 0) as integer) as tasks_last_90_days,
        cast(
            coalesce(customers_as_of.cancelled_on < customers_as_of.label_window_end, false) as boolean
        ) as churned_within_90_days,
        cast(
            coalesce(customers_as_of.label_window_end <= data_horizon.newest_event_on, false) as boolean
        ) as label_is_complete,
        cast(data_horizon.newest_event_on as date) as data_newest_event_date

    from customers_as_of
    cross join data_horizon
    left join event_features
        on customers_as_of.customer_key = event_features.customer_key
        and customers_as_of.as_of_date = event_features.as_of_date
    left join subscription_features
        on customers_as_of.customer_key = subscription_features.customer_key
        and customers_as_of.as_of_date = subscription_features.as_of_date

)

select * from final
