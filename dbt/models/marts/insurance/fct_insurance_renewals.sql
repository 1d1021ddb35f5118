-- One row per current renewal record (`renewal_key` = `<agency>-<RenewalId>`): the expiring
-- policy, its replacement (NULL unless renewed), the renewal date, status (Pending, Renewed,
-- NonRenewed, Lapsed) and the renewal premium. Current rows only (doc block
-- insurance_current_rows_rule); invalid values carried standardised with their failed_rules (doc
-- block insurance_validation_rule).

with

renewals as (

    select * from {{ ref('stg_qqcatalyst__renewals') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(renewal_key as varchar) as renewal_key,
        cast(agency as varchar) as agency,
        cast(renewal_id as bigint) as renewal_id,
        cast(policy_key as varchar) as policy_key,
        cast(policy_id as bigint) as policy_id,
        cast(new_policy_key as varchar) as new_policy_key,
        cast(new_policy_id as bigint) as new_policy_id,
        cast(renewal_date as date) as renewal_date,
        cast(status as varchar) as renewal_status,
        cast(renewal_premium as numeric(18, 2)) as renewal_premium,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from renewals

)

select * from final
