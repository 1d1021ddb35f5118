-- A payment cannot be applied to tickets for more than was paid: unapplied_amount is never
-- negative. Returns the payments that break the rule.

select
    payment_key,
    amount,
    applied_amount,
    unapplied_amount

from {{ ref('fct_payments') }}
where applied_amount > amount
