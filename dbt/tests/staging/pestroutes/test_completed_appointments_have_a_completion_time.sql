-- A completed appointment (status 1) records when it was completed: PestRoutes sets
-- dateCompleted when the technician closes the visit. Rows returned break the rule.

select
    appointment_key,
    status,
    date_completed

from {{ ref('stg_pestroutes__appointments') }}

where
    status = 1
    and date_completed is null
