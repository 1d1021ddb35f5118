-- One row per current commission rule (`commission_rule_key` = `<agency>-<CommissionRuleId>`):
-- what a carrier pays the agency on a line of business, as fractions of premium for new
-- business and for renewals, and when the rule applies. Current rows only (doc block
-- insurance_current_rows_rule); invalid values carried standardised with their failed_rules
-- (doc block insurance_validation_rule).

with

commission_rules as (

    select * from {{ ref('stg_qqcatalyst__commission_rules') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(commission_rule_key as varchar) as commission_rule_key,
        cast(agency as varchar) as agency,
        cast(commission_rule_id as bigint) as commission_rule_id,
        cast(carrier_key as varchar) as carrier_key,
        cast(carrier_id as bigint) as carrier_id,
        cast(lob as varchar) as line_of_business,
        cast(new_business_rate as numeric(9, 4)) as new_business_rate,
        cast(renewal_rate as numeric(9, 4)) as renewal_rate,
        cast(effective_date as date) as effective_date,
        cast(expiration_date as date) as expiration_date,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from commission_rules

)

select * from final
