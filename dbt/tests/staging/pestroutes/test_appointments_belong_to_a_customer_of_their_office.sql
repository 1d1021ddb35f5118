{{ config(severity='warn') }}

-- An appointment's customer is a customer of the same office (PestRoutes IDs are per office).
-- A warning, not an error: entities are extracted one after another, so a customer created
-- between the customers and the appointments extraction can be missing until the next load.

select
    appointments.appointment_key,
    appointments.office_name,
    appointments.customer_id

from {{ ref('stg_pestroutes__appointments') }} as appointments

left join {{ ref('stg_pestroutes__customers') }} as customers
    on
        appointments.office_name = customers.office_name
        and appointments.customer_id = customers.customer_id

where
    appointments.customer_id is not null
    and customers.customer_key is null
