-- One row per subscription with its recurring revenue put on a yearly and a monthly basis, and
-- the dates it was active between (what the churn features use to know which subscriptions a
-- customer held on a given day).

with

subscriptions as (

    select * from {{ ref('stg_pestroutes__subscriptions') }}

),

annualized as (

    select
        subscriptions.subscription_key,
        subscriptions.subscription_id,
        subscriptions.office_name,
        {{ office_scoped_key('subscriptions.office_name', 'subscriptions.customer_id') }} as customer_key,
        {{ office_scoped_key('subscriptions.office_name', 'subscriptions.service_id') }} as service_type_key,
        {{ office_scoped_key('subscriptions.office_name', 'subscriptions.cancellation_reason_id') }}
            as cancellation_reason_key,
        {{ office_scoped_key('subscriptions.office_name', 'subscriptions.sold_by') }} as sold_by_employee_key,
        {{ office_scoped_key('subscriptions.office_name', 'subscriptions.preferred_tech') }}
            as preferred_technician_employee_key,
        {{ office_scoped_key('subscriptions.office_name', 'subscriptions.region_id') }} as region_key,
        {{ office_scoped_key('subscriptions.office_name', 'subscriptions.source_id') }} as customer_source_key,
        subscriptions.service_type as service_type_name,
        subscriptions.date_added as added_at,
        subscriptions.contract_added as contract_added_on,
        subscriptions.start_date as service_start_date,
        subscriptions.date_cancelled as cancelled_at,
        cast(subscriptions.date_added as date) as active_from_date,
        cast(subscriptions.date_cancelled as date) as active_until_date,
        -- `active` is the API's flag; a cancellation date also ends a subscription.
        (coalesce(subscriptions.active, false) and subscriptions.date_cancelled is null) as is_active,
        subscriptions.cancellation_notes,
        subscriptions.frequency as service_frequency_days,
        case
            when subscriptions.frequency > 0
                then cast(floor(365.0 / subscriptions.frequency) as integer)
            else 0
        end as services_per_year,
        subscriptions.billing_frequency as billing_frequency_code,
        case
            when subscriptions.billing_frequency = -1 then 'per_service'
            when subscriptions.billing_frequency = 0 then 'none'
            when subscriptions.billing_frequency = 30 then 'monthly'
            when subscriptions.billing_frequency = 90 then 'quarterly'
            when subscriptions.billing_frequency in (365, 360) then 'annually'
            when subscriptions.billing_frequency > 0 then 'every_n_days'
            else 'unknown'
        end as billing_frequency,
        cast(coalesce(subscriptions.recurring_charge, 0) as numeric(18, 2)) as recurring_charge,
        -- PestRoutes states the yearly value; when it does not (or sends 0), the charge per
        -- visit times the whole visits a year at the service frequency.
        cast(
            coalesce(
                nullif(subscriptions.annual_recurring_value, 0),
                case
                    when subscriptions.frequency > 0
                        then coalesce(subscriptions.recurring_charge, 0)
                        * cast(floor(365.0 / subscriptions.frequency) as integer)
                end,
                0
            ) as numeric(18, 2)
        ) as annual_recurring_value,
        cast(coalesce(subscriptions.contract_value, 0) as numeric(18, 2)) as contract_value,
        cast(coalesce(subscriptions.initial_service_total, 0) as numeric(18, 2)) as initial_service_total,
        subscriptions.agreement_length as agreement_length_months,
        subscriptions.next_service as next_service_date,
        subscriptions.last_completed as last_completed_service_date,
        subscriptions.date_updated as updated_at

    from subscriptions

)

select * from annualized
