-- One row per customer per office, latest version, with the subscription, service and billing
-- summary an operations team looks a customer up for. Contact details (email, phones, street
-- address) stay in staging.

with

customers as (

    select * from {{ ref('stg_pestroutes__customers') }}

),

subscriptions as (

    select * from {{ ref('int_subscriptions_annualized') }}

),

appointments as (

    select * from {{ ref('int_appointments_classified') }}

),

tickets as (

    select * from {{ ref('int_tickets_joined_to_payments') }}

),

subscription_summary as (

    select
        subscriptions.customer_key,
        count(*) as subscription_count,
        sum(case when subscriptions.is_active then 1 else 0 end) as active_subscription_count,
        sum(
            case when subscriptions.is_active then subscriptions.annual_recurring_value else 0 end
        ) as active_annual_recurring_value

    from subscriptions
    group by subscriptions.customer_key

),

service_summary as (

    select
        appointments.customer_key,
        sum(case when appointments.is_completed then 1 else 0 end) as completed_appointment_count,
        min(case when appointments.is_completed then appointments.scheduled_date end) as first_service_date,
        max(case when appointments.is_completed then appointments.scheduled_date end) as last_service_date,
        min(case when appointments.is_pending then appointments.scheduled_date end) as next_scheduled_date

    from appointments
    group by appointments.customer_key

),

billing_summary as (

    select
        tickets.customer_key,
        sum(tickets.billed_amount) as lifetime_billed_amount,
        sum(tickets.collected_amount) as lifetime_collected_amount

    from tickets
    where tickets.is_active
    group by tickets.customer_key

),

final as (

    select
        cast(customers.customer_key as varchar) as customer_key,
        cast(customers.customer_id as bigint) as customer_id,
        cast(customers.office_name as varchar) as office_name,
        cast(
            coalesce(
                customers.company_name,
                trim(coalesce(customers.first_name, '') || ' ' || coalesce(customers.last_name, ''))
            ) as varchar
        ) as customer_name,
        cast(coalesce(customers.commercial_account, false) as boolean) as is_commercial,
        cast(customers.status as integer) as customer_status_code,
        cast(
            case customers.status when 1 then 'active' when 0 then 'inactive' else 'unknown' end as varchar
        ) as customer_status,
        cast(coalesce(customers.status = 1, false) as boolean) as is_active,
        cast(customers.date_added as timestamp) as added_at,
        cast(customers.date_cancelled as timestamp) as cancelled_at,
        cast(
            {{ office_scoped_key('customers.office_name', 'customers.source_id') }} as varchar
        ) as customer_source_key,
        cast(customers.source as varchar) as customer_source,
        cast({{ office_scoped_key('customers.office_name', 'customers.region_id') }} as varchar) as region_key,
        cast(
            {{ office_scoped_key('customers.office_name', 'customers.preferred_tech_id') }} as varchar
        ) as preferred_technician_employee_key,
        cast(
            {{ office_scoped_key('customers.office_name', 'customers.added_by_id') }} as varchar
        ) as sold_by_employee_key,
        cast(customers.city as varchar) as city,
        cast(customers.state as varchar) as state,
        cast(customers.zip as varchar) as zip,
        cast(customers.a_pay as varchar) as autopay_type,
        cast(coalesce(subscription_summary.subscription_count, 0) as integer) as subscription_count,
        cast(
            coalesce(subscription_summary.active_subscription_count, 0) as integer
        ) as active_subscription_count,
        cast(
            coalesce(subscription_summary.active_annual_recurring_value, 0) as numeric(18, 2)
        ) as active_annual_recurring_value,
        cast(
            coalesce(service_summary.completed_appointment_count, 0) as integer
        ) as completed_appointment_count,
        cast(service_summary.first_service_date as date) as first_service_date,
        cast(service_summary.last_service_date as date) as last_service_date,
        cast(service_summary.next_scheduled_date as date) as next_scheduled_date,
        cast(coalesce(billing_summary.lifetime_billed_amount, 0) as numeric(18, 2)) as lifetime_billed_amount,
        cast(
            coalesce(billing_summary.lifetime_collected_amount, 0) as numeric(18, 2)
        ) as lifetime_collected_amount,
        cast(
            coalesce(billing_summary.lifetime_billed_amount, 0)
            - coalesce(billing_summary.lifetime_collected_amount, 0)
            as numeric(18, 2)
        ) as open_balance_amount,
        cast(customers.date_updated as timestamp) as updated_at

    from customers
    left join subscription_summary
        on customers.customer_key = subscription_summary.customer_key
    left join service_summary
        on customers.customer_key = service_summary.customer_key
    left join billing_summary
        on customers.customer_key = billing_summary.customer_key

)

select * from final
