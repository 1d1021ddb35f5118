-- One row per payment per office: the amount received, how much of it was applied to tickets
-- and what is left unapplied (a credit on the account).

with

payments as (

    select * from {{ ref('stg_pestroutes__payments') }}

),

applied_payments as (

    select * from {{ ref('stg_pestroutes__applied_payments') }}

),

applications_per_payment as (

    select
        applied_payments.office_name,
        applied_payments.payment_id,
        sum(applied_payments.applied_amount) as applied_amount,
        count(*) as applied_ticket_count

    from applied_payments
    where applied_payments.payment_id is not null
    group by
        applied_payments.office_name,
        applied_payments.payment_id

),

final as (

    select
        cast(payments.payment_key as varchar) as payment_key,
        cast(payments.payment_id as bigint) as payment_id,
        cast(payments.office_name as varchar) as office_name,
        cast({{ office_scoped_key('payments.office_name', 'payments.customer_id') }} as varchar) as customer_key,
        cast(
            {{ office_scoped_key('payments.office_name', 'payments.employee_id') }} as varchar
        ) as received_by_employee_key,
        cast(
            {{ office_scoped_key('payments.office_name', 'payments.original_payment_id') }} as varchar
        ) as original_payment_key,
        cast(payments.date as timestamp) as paid_at,
        cast(payments.date_applied as timestamp) as applied_at,
        cast(payments.payment_method as integer) as payment_method_code,
        cast(
            case payments.payment_method
                when 1 then 'cash'
                when 2 then 'check'
                when 3 then 'credit_card'
                when 4 then 'ach'
                else 'other'
            end as varchar
        ) as payment_method,
        cast(payments.payment_origin as integer) as payment_origin_code,
        cast(
            case payments.payment_origin
                when 0 then 'office'
                when 1 then 'technician'
                when 2 then 'autopay'
                when 3 then 'customer_portal'
                else 'other'
            end as varchar
        ) as payment_origin,
        cast(payments.status as integer) as status_code,
        cast(coalesce(payments.status = 1, false) as boolean) as is_successful,
        cast(payments.card_type as varchar) as card_type,
        cast(coalesce(payments.amount, 0) as numeric(18, 2)) as amount,
        cast(coalesce(applications_per_payment.applied_amount, 0) as numeric(18, 2)) as applied_amount,
        cast(
            coalesce(payments.amount, 0) - coalesce(applications_per_payment.applied_amount, 0)
            as numeric(18, 2)
        ) as unapplied_amount,
        cast(
            coalesce(applications_per_payment.applied_amount, 0) >= coalesce(payments.amount, 0) as boolean
        ) as is_fully_applied,
        cast(coalesce(applications_per_payment.applied_ticket_count, 0) as integer) as applied_ticket_count,
        cast(payments.applied_amount as numeric(18, 2)) as reported_applied_amount,
        cast(payments.date_updated as timestamp) as updated_at

    from payments
    left join applications_per_payment
        on payments.office_name = applications_per_payment.office_name
        and payments.payment_id = applications_per_payment.payment_id

)

select * from final
