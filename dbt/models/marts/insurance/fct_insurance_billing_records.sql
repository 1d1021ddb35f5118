-- One row per current billing record (`billing_record_key` = `<agency>-<BillingRecordId>`): an
-- invoice to a contact for a policy, billed and due dates, amount and status (Open, Paid,
-- Overdue, Void). Current rows only (doc block insurance_current_rows_rule); invalid values
-- carried standardised with their failed_rules (doc block insurance_validation_rule).

with

billing_records as (

    select * from {{ ref('stg_qqcatalyst__billing_records') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(billing_record_key as varchar) as billing_record_key,
        cast(agency as varchar) as agency,
        cast(billing_record_id as bigint) as billing_record_id,
        cast(contact_key as varchar) as contact_key,
        cast(contact_id as bigint) as contact_id,
        cast(policy_key as varchar) as policy_key,
        cast(policy_id as bigint) as policy_id,
        cast(invoice_number as varchar) as invoice_number,
        cast(billing_date as date) as billing_date,
        cast(due_date as date) as due_date,
        cast(amount as numeric(18, 2)) as amount,
        cast(status as varchar) as billing_status,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from billing_records

)

select * from final
