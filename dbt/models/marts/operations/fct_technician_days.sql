-- One row per technician per office per scheduled day that has at least one appointment
-- assigned to the technician: the day's visits by outcome, time on completed visits and the
-- revenue they produced. Future days carry the pending schedule.

with

appointments as (

    select * from {{ ref('fct_appointments') }}

),

employees as (

    select * from {{ ref('dim_employees') }}

),

technician_days as (

    select
        appointments.office_name,
        appointments.technician_employee_key,
        appointments.scheduled_date,
        count(*) as appointments_scheduled,
        sum(case when appointments.is_completed then 1 else 0 end) as appointments_completed,
        sum(case when appointments.is_cancelled then 1 else 0 end) as appointments_cancelled,
        sum(case when appointments.is_rescheduled then 1 else 0 end) as appointments_rescheduled,
        sum(case when appointments.is_no_show then 1 else 0 end) as appointments_no_show,
        sum(case when appointments.is_pending then 1 else 0 end) as appointments_pending,
        sum(
            case when appointments.is_completed then coalesce(appointments.duration_minutes, 0) else 0 end
        ) as completed_service_minutes,
        sum(case when appointments.is_completed then appointments.billed_amount else 0 end) as billed_revenue,
        sum(appointments.amount_collected) as amount_collected_in_field

    from appointments
    where
        appointments.technician_employee_key is not null
        and appointments.scheduled_date is not null
    group by
        appointments.office_name,
        appointments.technician_employee_key,
        appointments.scheduled_date

),

final as (

    select
        cast(
            technician_days.technician_employee_key || '|' || cast(technician_days.scheduled_date as varchar)
            as varchar
        ) as technician_day_key,
        cast(technician_days.office_name as varchar) as office_name,
        cast(technician_days.technician_employee_key as varchar) as technician_employee_key,
        cast(employees.employee_name as varchar) as technician_name,
        cast(technician_days.scheduled_date as date) as service_date,
        cast(technician_days.appointments_scheduled as integer) as appointments_scheduled,
        cast(technician_days.appointments_completed as integer) as appointments_completed,
        cast(technician_days.appointments_cancelled as integer) as appointments_cancelled,
        cast(technician_days.appointments_rescheduled as integer) as appointments_rescheduled,
        cast(technician_days.appointments_no_show as integer) as appointments_no_show,
        cast(technician_days.appointments_pending as integer) as appointments_pending,
        cast(
            case
                when technician_days.appointments_scheduled - technician_days.appointments_pending > 0
                    then 1.0 * technician_days.appointments_completed
                    / (technician_days.appointments_scheduled - technician_days.appointments_pending)
            end as double precision
        ) as completion_rate,
        cast(technician_days.completed_service_minutes as integer) as completed_service_minutes,
        cast(technician_days.billed_revenue as numeric(18, 2)) as billed_revenue,
        cast(technician_days.amount_collected_in_field as numeric(18, 2)) as amount_collected_in_field

    from technician_days
    left join employees
        on technician_days.technician_employee_key = employees.employee_key

)

select * from final
