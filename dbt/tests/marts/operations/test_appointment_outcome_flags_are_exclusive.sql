-- Each appointment is in exactly one state: one of the five outcome flags is true, except for
-- an unknown status code where none is. Returns the appointments that break it.

select
    appointment_key,
    status_code,
    appointment_status

from {{ ref('fct_appointments') }}
where
    (case when is_pending then 1 else 0 end)
    + (case when is_completed then 1 else 0 end)
    + (case when is_no_show then 1 else 0 end)
    + (case when is_rescheduled then 1 else 0 end)
    + (case when is_cancelled then 1 else 0 end)
    <> (case when appointment_status = 'unknown' then 0 else 1 end)
