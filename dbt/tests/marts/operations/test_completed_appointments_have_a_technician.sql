-- A completed visit was done by someone: every completed appointment must name its technician
-- (otherwise it would silently drop out of fct_technician_days). Returns the ones that do not.

select
    appointment_key,
    scheduled_date,
    appointment_status

from {{ ref('fct_appointments') }}
where
    is_completed
    and technician_employee_key is null
