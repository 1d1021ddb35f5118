-- Business rule: payments are applied to a ticket at most up to its total; anything paid beyond
-- the open tickets stays on the payment as unapplied credit (fct_payments.unapplied_amount).
-- So no ticket may have collected more than it billed, i.e. no negative balance.
-- Returns the tickets that break the rule.

select
    ticket_key,
    billed_amount,
    collected_amount,
    balance_amount

from {{ ref('fct_tickets') }}
where collected_amount > billed_amount
