-- A cancelled appointment (status -1) records when it was cancelled (dateCancelled).
-- Rows returned break the rule.

select
    appointment_key,
    status,
    date_cancelled

from {{ ref('stg_pestroutes__appointments') }}

where
    status = -1
    and date_cancelled is null
