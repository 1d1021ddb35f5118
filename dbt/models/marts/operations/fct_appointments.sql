-- One row per appointment (scheduled service visit) per office, in every status: pending,
-- completed, no-show, rescheduled or cancelled. A reschedule closes the visit and books a new
-- appointment, so each attempt is its own row.

with

appointments as (

    select * from {{ ref('int_appointments_classified') }}

),

tickets as (

    select * from {{ ref('int_tickets_joined_to_payments') }}

),

billed_per_appointment as (

    select
        tickets.appointment_key,
        sum(tickets.billed_amount) as billed_amount

    from tickets
    where
        tickets.is_active
        and tickets.appointment_key is not null
    group by tickets.appointment_key

),

final as (

    select
        cast(appointments.appointment_key as varchar) as appointment_key,
        cast(appointments.appointment_id as bigint) as appointment_id,
        cast(appointments.office_name as varchar) as office_name,
        cast(appointments.customer_key as varchar) as customer_key,
        cast(appointments.subscription_key as varchar) as subscription_key,
        cast(appointments.service_type_key as varchar) as service_type_key,
        cast(appointments.technician_employee_key as varchar) as technician_employee_key,
        cast(appointments.ticket_key as varchar) as ticket_key,
        cast(appointments.scheduled_date as date) as scheduled_date,
        cast(appointments.scheduled_start_time as varchar) as scheduled_start_time,
        cast(appointments.scheduled_end_time as varchar) as scheduled_end_time,
        cast(appointments.duration_minutes as integer) as duration_minutes,
        cast(appointments.status_code as integer) as status_code,
        cast(appointments.appointment_status as varchar) as appointment_status,
        cast(appointments.is_pending as boolean) as is_pending,
        cast(appointments.is_completed as boolean) as is_completed,
        cast(appointments.is_no_show as boolean) as is_no_show,
        cast(appointments.is_rescheduled as boolean) as is_rescheduled,
        cast(appointments.is_cancelled as boolean) as is_cancelled,
        cast(appointments.is_initial as boolean) as is_initial,
        cast(appointments.added_at as timestamp) as added_at,
        cast(appointments.completed_at as timestamp) as completed_at,
        cast(appointments.cancelled_at as timestamp) as cancelled_at,
        cast(appointments.amount_collected as numeric(18, 2)) as amount_collected,
        cast(appointments.payment_method_code as integer) as payment_method_code,
        cast(coalesce(billed_per_appointment.billed_amount, 0) as numeric(18, 2)) as billed_amount,
        cast(appointments.updated_at as timestamp) as updated_at

    from appointments
    left join billed_per_appointment
        on appointments.appointment_key = billed_per_appointment.appointment_key

)

select * from final
