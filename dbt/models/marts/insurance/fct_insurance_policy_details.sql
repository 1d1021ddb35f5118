-- One row per current policy (`policy_key`): the policy's detail record (PolicyDetail): how it is
-- billed (agency or direct bill), the payment plan, the agency's commission percent and the
-- underwriting company. The seed keeps these apart from the policy; the key is the policy's.
-- Current policies only (doc block insurance_current_rows_rule); failed_rules and is_valid are
-- the policy record's (doc block insurance_validation_rule).

with

policies as (

    select * from {{ ref('stg_qqcatalyst__policies') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(policy_key as varchar) as policy_key,
        cast(agency as varchar) as agency,
        cast(policy_id as bigint) as policy_id,
        cast(billing_method as varchar) as billing_method,
        cast(payment_plan as varchar) as payment_plan,
        cast(commission_percent as numeric(9, 4)) as commission_percent,
        cast(underwriting_company as varchar) as underwriting_company,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from policies

)

select * from final
