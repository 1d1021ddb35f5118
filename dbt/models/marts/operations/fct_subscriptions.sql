-- One row per subscription (a recurring service agreement) per office, active or cancelled,
-- with its recurring revenue on a yearly and a monthly basis.

with

subscriptions as (

    select * from {{ ref('int_subscriptions_annualized') }}

),

cancellation_reasons as (

    select * from {{ ref('stg_pestroutes__cancellation_reasons') }}

),

appointments as (

    select * from {{ ref('int_appointments_classified') }}

),

visits_per_subscription as (

    select
        appointments.subscription_key,
        sum(case when appointments.is_completed then 1 else 0 end) as completed_appointment_count

    from appointments
    where appointments.subscription_key is not null
    group by appointments.subscription_key

),

final as (

    select
        cast(subscriptions.subscription_key as varchar) as subscription_key,
        cast(subscriptions.subscription_id as bigint) as subscription_id,
        cast(subscriptions.office_name as varchar) as office_name,
        cast(subscriptions.customer_key as varchar) as customer_key,
        cast(subscriptions.service_type_key as varchar) as service_type_key,
        cast(subscriptions.sold_by_employee_key as varchar) as sold_by_employee_key,
        cast(subscriptions.preferred_technician_employee_key as varchar) as preferred_technician_employee_key,
        cast(subscriptions.region_key as varchar) as region_key,
        cast(subscriptions.cancellation_reason_key as varchar) as cancellation_reason_key,
        cast(cancellation_reasons.reason as varchar) as cancellation_reason,
        cast(subscriptions.service_type_name as varchar) as service_type_name,
        cast(subscriptions.added_at as timestamp) as added_at,
        cast(subscriptions.contract_added_on as date) as contract_added_on,
        cast(subscriptions.service_start_date as date) as service_start_date,
        cast(subscriptions.cancelled_at as timestamp) as cancelled_at,
        cast(subscriptions.is_active as boolean) as is_active,
        cast(subscriptions.service_frequency_days as integer) as service_frequency_days,
        cast(subscriptions.services_per_year as integer) as services_per_year,
        cast(subscriptions.billing_frequency_code as integer) as billing_frequency_code,
        cast(subscriptions.billing_frequency as varchar) as billing_frequency,
        cast(subscriptions.recurring_charge as numeric(18, 2)) as recurring_charge,
        cast(subscriptions.annual_recurring_value as numeric(18, 2)) as annual_recurring_value,
        cast(round(subscriptions.annual_recurring_value / 12.0, 2) as numeric(18, 2)) as monthly_recurring_revenue,
        cast(
            case when subscriptions.is_active then subscriptions.annual_recurring_value else 0 end
            as numeric(18, 2)
        ) as active_annual_recurring_value,
        cast(subscriptions.contract_value as numeric(18, 2)) as contract_value,
        cast(subscriptions.initial_service_total as numeric(18, 2)) as initial_service_total,
        cast(subscriptions.agreement_length_months as integer) as agreement_length_months,
        cast(subscriptions.next_service_date as date) as next_service_date,
        cast(subscriptions.last_completed_service_date as date) as last_completed_service_date,
        cast(
            coalesce(visits_per_subscription.completed_appointment_count, 0) as integer
        ) as completed_appointment_count,
        cast(subscriptions.updated_at as timestamp) as updated_at

    from subscriptions
    left join cancellation_reasons
        on subscriptions.cancellation_reason_key = cancellation_reasons.cancellation_reason_key
    left join visits_per_subscription
        on subscriptions.subscription_key = visits_per_subscription.subscription_key

)

select * from final
