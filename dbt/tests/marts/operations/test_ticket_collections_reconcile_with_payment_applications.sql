-- Money applied to tickets and money applied from payments are the same applications seen from
-- both sides: per office, fct_tickets.collected_amount and fct_payments.applied_amount must sum
-- to the same total. A difference means an application lost its ticket or its payment (or a
-- join fanned out). Returns the offices that do not reconcile.

with

collected_per_office as (

    select
        office_name,
        sum(collected_amount) as collected_amount

    from {{ ref('fct_tickets') }}
    group by office_name

),

applied_per_office as (

    select
        office_name,
        sum(applied_amount) as applied_amount

    from {{ ref('fct_payments') }}
    group by office_name

)

select
    coalesce(collected_per_office.office_name, applied_per_office.office_name) as office_name,
    collected_per_office.collected_amount,
    applied_per_office.applied_amount

from collected_per_office
full outer join applied_per_office
    on collected_per_office.office_name = applied_per_office.office_name
where coalesce(collected_per_office.collected_amount, 0) <> coalesce(applied_per_office.applied_amount, 0)
