-- One row per dated thing that happened to a customer: signed up, cancelled, a visit completed,
-- cancelled, rescheduled or missed, a ticket billed, a payment applied, a note or a task
-- written. Each event carries the day it became known, so point-in-time features can keep
-- exactly the events dated before an as-of date.

with

customers as (

    select * from {{ ref('stg_pestroutes__customers') }}

),

appointments as (

    select * from {{ ref('int_appointments_classified') }}

),

tickets as (

    select * from {{ ref('int_tickets_joined_to_payments') }}

),

applied_payments as (

    select * from {{ ref('stg_pestroutes__applied_payments') }}

),

notes as (

    select * from {{ ref('stg_pestroutes__notes') }}

),

tasks as (

    select * from {{ ref('stg_pestroutes__tasks') }}

),

customer_added as (

    select
        customers.customer_key as record_key,
        customers.customer_key,
        customers.office_name,
        'customer_added' as event_type,
        cast(customers.date_added as date) as event_on,
        cast(null as numeric(18, 2)) as amount

    from customers
    where customers.date_added is not null

),

customer_cancelled as (

    select
        customers.customer_key as record_key,
        customers.customer_key,
        customers.office_name,
        'customer_cancelled' as event_type,
        cast(customers.date_cancelled as date) as event_on,
        cast(null as numeric(18, 2)) as amount

    from customers
    where customers.date_cancelled is not null

),

appointment_outcomes as (

    select
        appointments.appointment_key as record_key,
        appointments.customer_key,
        appointments.office_name,
        'appointment_' || appointments.appointment_status as event_type,
        appointments.outcome_known_on as event_on,
        cast(null as numeric(18, 2)) as amount

    from appointments
    where
        appointments.outcome_known_on is not null
        and appointments.customer_key is not null

),

tickets_billed as (

    select
        tickets.ticket_key as record_key,
        tickets.customer_key,
        tickets.office_name,
        'ticket_billed' as event_type,
        cast(tickets.created_at as date) as event_on,
        cast(tickets.billed_amount as numeric(18, 2)) as amount

    from tickets
    where
        tickets.is_active
        and tickets.created_at is not null
        and tickets.customer_key is not null

),

payments_applied as (

    select
        applied_payments.applied_payment_key as record_key,
        {{ office_scoped_key('applied_payments.office_name', 'applied_payments.customer_id') }} as customer_key,
        applied_payments.office_name,
        'payment_applied' as event_type,
        cast(applied_payments.date_applied as date) as event_on,
        cast(applied_payments.applied_amount as numeric(18, 2)) as amount

    from applied_payments
    where
        applied_payments.date_applied is not null
        and applied_payments.customer_id is not null

),

notes_logged as (

    select
        notes.note_key as record_key,
        {{ office_scoped_key('notes.office_name', 'notes.customer_id') }} as customer_key,
        notes.office_name,
        'note_logged' as event_type,
        cast(coalesce(notes.date_added, notes.date) as date) as event_on,
        cast(null as numeric(18, 2)) as amount

    from notes
    where
        coalesce(notes.date_added, notes.date) is not null
        and notes.customer_id is not null

),

tasks_created as (

    select
        tasks.task_key as record_key,
        {{ office_scoped_key('tasks.office_name', 'tasks.customer_id') }} as customer_key,
        tasks.office_name,
        'task_created' as event_type,
        cast(tasks.date_added as date) as event_on,
        cast(null as numeric(18, 2)) as amount

    from tasks
    where
        tasks.date_added is not null
        and tasks.customer_id is not null

),

unioned as (

    select * from customer_added
    union all
    select * from customer_cancelled
    union all
    select * from appointment_outcomes
    union all
    select * from tickets_billed
    union all
    select * from payments_applied
    union all
    select * from notes_logged
    union all
    select * from tasks_created

),

final as (

    select
        event_type || ':' || record_key as customer_event_key,
        customer_key,
        office_name,
        event_type,
        record_key,
        event_on,
        amount

    from unioned

)

select * from final
