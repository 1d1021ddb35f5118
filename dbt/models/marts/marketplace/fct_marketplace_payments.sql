-- One row per payment (database_name, payment_id): what was charged for a booking, what was
-- captured, and what was given back (doc block marketplace_payment_rule): net_amount is the
-- captured amount minus the succeeded refunds. Hard-deleted refunds no longer exist at the
-- source and are left out; a hard-deleted payment stays, flagged, with nothing captured.

with

payments as (

    select * from {{ ref('stg_app_db__payments') }}

),

bookings as (

    select * from {{ ref('stg_app_db__bookings') }}

),

refunds as (

    select * from {{ ref('stg_app_db__refunds') }}
    where not is_hard_deleted

),

refunds_per_payment as (

    select
        database_name,
        payment_id,
        count(*) as refund_count,
        sum(case when refund_status = 'succeeded' then amount_cents else 0 end) as refunded_cents,
        sum(case when refund_status = 'pending' then amount_cents else 0 end) as pending_refund_cents,
        max(case when refund_status = 'succeeded' then updated_at end) as last_refunded_at

    from refunds
    group by database_name, payment_id

),

joined as (

    select
        payments.*,
        bookings.user_id,
        bookings.vendor_id,
        -- Money reached the marketplace: the charge succeeded (it may have been refunded since).
        payments.payment_status in ('succeeded', 'refunded', 'partially_refunded')
        and not payments.is_hard_deleted as is_captured,
        coalesce(refunds_per_payment.refund_count, 0) as refund_count,
        coalesce(refunds_per_payment.refunded_cents, 0) as refunded_cents,
        coalesce(refunds_per_payment.pending_refund_cents, 0) as pending_refund_cents,
        refunds_per_payment.last_refunded_at

    from payments
    left join bookings
        on
            payments.database_name = bookings.database_name
            and payments.booking_id = bookings.booking_id
    left join refunds_per_payment
        on
            payments.database_name = refunds_per_payment.database_name
            and payments.payment_id = refunds_per_payment.payment_id

),

measured as (

    select
        *,
        case when is_captured then amount_cents else 0 end as captured_cents

    from joined

),

final as (

    select
        cast(database_name as varchar) as database_name,
        cast(payment_id as bigint) as payment_id,
        cast(booking_id as bigint) as booking_id,
        cast(user_id as bigint) as user_id,
        cast(vendor_id as bigint) as vendor_id,
        cast(payment_method as varchar) as payment_method,
        cast(payment_status as varchar) as payment_status,
        cast(currency as varchar) as currency,
        cast(created_at as timestamp) as created_at,
        cast(paid_at as timestamp) as paid_at,
        cast(coalesce(paid_at, created_at) as date) as payment_date,
        cast(is_captured as boolean) as is_captured,
        cast(refund_count as integer) as refund_count,
        cast(last_refunded_at as timestamp) as last_refunded_at,
        {{ cents_to_dollars('amount_cents') }} as amount,
        {{ cents_to_dollars('captured_cents') }} as captured_amount,
        {{ cents_to_dollars('refunded_cents') }} as refunded_amount,
        {{ cents_to_dollars('pending_refund_cents') }} as pending_refund_amount,
        {{ cents_to_dollars('captured_cents - refunded_cents') }} as net_amount,
        cast(is_hard_deleted as boolean) as is_hard_deleted

    from measured

)

select * from final
