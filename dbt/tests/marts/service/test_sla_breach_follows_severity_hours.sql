-- A closed request breached its SLA exactly when it took longer than the hours its severity
-- allows (var service_sla_hours_by_severity), an open one when it has been open longer than
-- that at data_as_of; without an SLA there is no verdict. Recomputed here from the var and the
-- timestamps. Rows returned are requests whose verdict disagrees.

{%- set sla_hours_by_severity = var('service_sla_hours_by_severity') %}

with

requests as (

    select
        *,
        case
            {%- for severity, hours in sla_hours_by_severity.items() %}
            when lower(trim(sr_severity)) = '{{ severity | lower }}'
                or lower(trim(sr_severity)) like '%-{{ severity | lower }}' then {{ hours }}
            {%- endfor %}
        end as expected_sla_hours

    from {{ ref('fct_service_requests') }}

),

verdicts as (

    select
        sr_number,
        sla_hours,
        expected_sla_hours,
        is_sla_breached,
        case
            when expected_sla_hours is null or opened_at is null then null
            when closed_at is not null and closed_at < opened_at then null
            when closed_at is not null
                then {{ dbt.datediff('opened_at', 'closed_at', 'minute') }} > expected_sla_hours * 60
            else {{ dbt.datediff('opened_at', 'data_as_of', 'minute') }} > expected_sla_hours * 60
        end as expected_breach

    from requests

)

select *
from verdicts
where
    not (sla_hours = expected_sla_hours or (sla_hours is null and expected_sla_hours is null))
    or not (is_sla_breached = expected_breach or (is_sla_breached is null and expected_breach is null))
