-- One row per ticket (invoice) per office: what was billed, what payments applied to it
-- (collected) and what is still owed. Overpayments are never applied to a ticket: they stay on
-- the payment as its unapplied amount (fct_payments), so collected never exceeds billed.

with

tickets as (

    select * from {{ ref('int_tickets_joined_to_payments') }}

),

final as (

    select
        cast(tickets.ticket_key as varchar) as ticket_key,
        cast(tickets.ticket_id as bigint) as ticket_id,
        cast(tickets.office_name as varchar) as office_name,
        cast(tickets.customer_key as varchar) as customer_key,
        cast(tickets.appointment_key as varchar) as appointment_key,
        cast(tickets.subscription_key as varchar) as subscription_key,
        cast(tickets.service_type_key as varchar) as service_type_key,
        cast(tickets.created_at as timestamp) as created_at,
        cast(tickets.invoice_date as date) as invoice_date,
        cast(tickets.is_active as boolean) as is_active,
        cast(tickets.subtotal_amount as numeric(18, 2)) as subtotal_amount,
        cast(tickets.tax_amount as numeric(18, 2)) as tax_amount,
        cast(tickets.billed_amount as numeric(18, 2)) as billed_amount,
        cast(tickets.collected_amount as numeric(18, 2)) as collected_amount,
        cast(tickets.billed_amount - tickets.collected_amount as numeric(18, 2)) as balance_amount,
        cast(tickets.collected_amount >= tickets.billed_amount as boolean) as is_paid_in_full,
        cast(tickets.applied_payment_count as integer) as applied_payment_count,
        cast(tickets.first_payment_applied_at as timestamp) as first_payment_applied_at,
        cast(
            case
                when tickets.billed_amount > 0 and tickets.collected_amount >= tickets.billed_amount
                    then tickets.last_payment_applied_at
            end as timestamp
        ) as paid_in_full_at,
        cast(
            case
                when tickets.billed_amount > 0 and tickets.collected_amount >= tickets.billed_amount
                    then {{ dbt.datediff('tickets.created_at', 'tickets.last_payment_applied_at', 'day') }}
            end as integer
        ) as days_to_paid_in_full,
        cast(tickets.reported_balance_amount as numeric(18, 2)) as reported_balance_amount,
        cast(tickets.updated_at as timestamp) as updated_at

    from tickets

)

select * from final
