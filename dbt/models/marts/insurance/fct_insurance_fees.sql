-- One row per current fee (`fee_key` = `<agency>-<FeeId>`): a policy, broker, inspection,
-- installment or late fee on a policy, its amount and date. Current rows only (doc block
-- insurance_current_rows_rule); invalid values carried standardised with their failed_rules (doc
-- block insurance_validation_rule).

with

fees as (

    select * from {{ ref('stg_qqcatalyst__fees') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(fee_key as varchar) as fee_key,
        cast(agency as varchar) as agency,
        cast(fee_id as bigint) as fee_id,
        cast(policy_key as varchar) as policy_key,
        cast(policy_id as bigint) as policy_id,
        cast(fee_type as varchar) as fee_type,
        cast(amount as numeric(18, 2)) as amount,
        cast(fee_date as date) as fee_date,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from fees

)

select * from final
