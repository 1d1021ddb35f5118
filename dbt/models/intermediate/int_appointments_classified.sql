-- One row per appointment: the status code turned into a label and one flag per outcome, the
-- technician resolved, office-scoped keys to every related record, and the day the outcome
-- became known (what the churn features may use as of a date).

with

appointments as (

    select * from {{ ref('stg_pestroutes__appointments') }}

),

classified as (

    select
        appointments.appointment_key,
        appointments.appointment_id,
        appointments.office_name,
        {{ office_scoped_key('appointments.office_name', 'appointments.customer_id') }} as customer_key,
        {{ office_scoped_key('appointments.office_name', 'appointments.subscription_id') }} as subscription_key,
        {{ office_scoped_key('appointments.office_name', 'appointments.type') }} as service_type_key,
        {{ office_scoped_key('appointments.office_name', 'appointments.ticket_id') }} as ticket_key,
        -- Who did the visit when it was done, otherwise who it is assigned to.
        {{ office_scoped_key(
            'appointments.office_name',
            'coalesce(appointments.serviced_by, appointments.assigned_tech, appointments.employee_id)'
        ) }} as technician_employee_key,
        appointments.date as scheduled_date,
        appointments.{{ adapter.quote('start') }} as scheduled_start_time,
        appointments.{{ adapter.quote('end') }} as scheduled_end_time,
        appointments.duration as duration_minutes,
        appointments.status as status_code,
        case appointments.status
            when 0 then 'pending'
            when 1 then 'completed'
            when 2 then 'no_show'
            when 3 then 'rescheduled'
            when -1 then 'cancelled'
            else 'unknown'
        end as appointment_status,
        coalesce(appointments.status = 0, false) as is_pending,
        coalesce(appointments.status = 1, false) as is_completed,
        coalesce(appointments.status = 2, false) as is_no_show,
        coalesce(appointments.status = 3, false) as is_rescheduled,
        coalesce(appointments.status = -1, false) as is_cancelled,
        coalesce(appointments.is_initial, false) as is_initial,
        appointments.date_added as added_at,
        appointments.date_completed as completed_at,
        appointments.date_cancelled as cancelled_at,
        -- The day the outcome was known: completion and cancellation carry their own time; a
        -- no-show or a reschedule is known on the day the visit was due.
        case
            when appointments.status = 1
                then coalesce(cast(appointments.date_completed as date), appointments.date)
            when appointments.status = -1
                then coalesce(cast(appointments.date_cancelled as date), appointments.date)
            when appointments.status in (2, 3)
                then appointments.date
        end as outcome_known_on,
        cast(coalesce(appointments.amount_collected, 0) as numeric(18, 2)) as amount_collected,
        appointments.payment_method as payment_method_code,
        appointments.date_updated as updated_at

    from appointments

)

select * from classified
