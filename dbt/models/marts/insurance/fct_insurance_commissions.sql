-- One row per current commission (`commission_key` = `<agency>-<CommissionId>`): what a carrier
-- owes or paid the agency on a policy, new business or renewal, under which rule, its statement
-- and paid dates and status (Pending, Paid, Reversed). Current rows only (doc block
-- insurance_current_rows_rule); invalid values carried standardised with their failed_rules (doc
-- block insurance_validation_rule).

with

commissions as (

    select * from {{ ref('stg_qqcatalyst__commissions') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(commission_key as varchar) as commission_key,
        cast(agency as varchar) as agency,
        cast(commission_id as bigint) as commission_id,
        cast(policy_key as varchar) as policy_key,
        cast(policy_id as bigint) as policy_id,
        cast(carrier_key as varchar) as carrier_key,
        cast(carrier_id as bigint) as carrier_id,
        cast(commission_rule_key as varchar) as commission_rule_key,
        cast(commission_rule_id as bigint) as commission_rule_id,
        cast(commission_type as varchar) as commission_type,
        cast(amount as numeric(18, 2)) as amount,
        cast(statement_date as date) as statement_date,
        cast(paid_date as date) as paid_date,
        cast(status as varchar) as commission_status,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from commissions

)

select * from final
