-- fct_technician_days is a rollup of fct_appointments: per office, the appointments it counts
-- and the revenue it reports must equal the appointments with a technician and the billed
-- amount of their completed visits. Returns the offices that do not reconcile.

with

from_appointments as (

    select
        office_name,
        count(*) as appointments_scheduled,
        sum(case when is_completed then 1 else 0 end) as appointments_completed,
        sum(case when is_completed then billed_amount else 0 end) as billed_revenue

    from {{ ref('fct_appointments') }}
    where
        technician_employee_key is not null
        and scheduled_date is not null
    group by office_name

),

from_technician_days as (

    select
        office_name,
        sum(appointments_scheduled) as appointments_scheduled,
        sum(appointments_completed) as appointments_completed,
        sum(billed_revenue) as billed_revenue

    from {{ ref('fct_technician_days') }}
    group by office_name

)

select
    coalesce(from_appointments.office_name, from_technician_days.office_name) as office_name,
    from_appointments.appointments_scheduled as appointments_in_fct_appointments,
    from_technician_days.appointments_scheduled as appointments_in_fct_technician_days,
    from_appointments.billed_revenue as revenue_in_fct_appointments,
    from_technician_days.billed_revenue as revenue_in_fct_technician_days

from from_appointments
full outer join from_technician_days
    on from_appointments.office_name = from_technician_days.office_name
where
    coalesce(from_appointments.appointments_scheduled, 0) <> coalesce(from_technician_days.appointments_scheduled, 0)
    or coalesce(from_appointments.appointments_completed, 0) <> coalesce(from_technician_days.appointments_completed, 0)
    or coalesce(from_appointments.billed_revenue, 0) <> coalesce(from_technician_days.billed_revenue, 0)
