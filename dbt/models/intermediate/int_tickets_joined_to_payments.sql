-- One row per ticket (invoice): what was billed beside what payments applied to it. The
-- applications are summed per ticket before the join so a ticket never fans out, and the join
-- is office-scoped because PestRoutes IDs repeat across offices.

with

tickets as (

    select * from {{ ref('stg_pestroutes__tickets') }}

),

applied_payments as (

    select * from {{ ref('stg_pestroutes__applied_payments') }}

),

applications_per_ticket as (

    select
        applied_payments.office_name,
        applied_payments.ticket_id,
        sum(applied_payments.applied_amount) as collected_amount,
        count(*) as applied_payment_count,
        min(applied_payments.date_applied) as first_payment_applied_at,
        max(applied_payments.date_applied) as last_payment_applied_at

    from applied_payments
    where applied_payments.ticket_id is not null
    group by
        applied_payments.office_name,
        applied_payments.ticket_id

),

joined as (

    select
        tickets.ticket_key,
        tickets.ticket_id,
        tickets.office_name,
        {{ office_scoped_key('tickets.office_name', 'tickets.customer_id') }} as customer_key,
        {{ office_scoped_key('tickets.office_name', 'tickets.appointment_id') }} as appointment_key,
        {{ office_scoped_key('tickets.office_name', 'tickets.subscription_id') }} as subscription_key,
        {{ office_scoped_key('tickets.office_name', 'tickets.service_id') }} as service_type_key,
        tickets.date_created as created_at,
        tickets.invoice_date,
        coalesce(tickets.active, true) as is_active,
        cast(coalesce(tickets.sub_total, 0) as numeric(18, 2)) as subtotal_amount,
        cast(coalesce(tickets.tax_amount, 0) as numeric(18, 2)) as tax_amount,
        cast(coalesce(tickets.total, 0) as numeric(18, 2)) as billed_amount,
        tickets.balance as reported_balance_amount,
        cast(coalesce(applications_per_ticket.collected_amount, 0) as numeric(18, 2)) as collected_amount,
        coalesce(applications_per_ticket.applied_payment_count, 0) as applied_payment_count,
        applications_per_ticket.first_payment_applied_at,
        applications_per_ticket.last_payment_applied_at,
        tickets.date_updated as updated_at

    from tickets
    left join applications_per_ticket
        on tickets.office_name = applications_per_ticket.office_name
        and tickets.ticket_id = applications_per_ticket.ticket_id

)

select * from joined
