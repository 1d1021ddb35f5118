-- One row per current termination (`termination_key` = `<agency>-<TerminationId>`): a policy's
-- cancellation, non-renewal or rewrite, its date, reason, the premium returned and its status
-- (Pending, Processed, Rescinded). Current rows only (doc block insurance_current_rows_rule);
-- invalid values carried standardised with their failed_rules (doc block
-- insurance_validation_rule).

with

terminations as (

    select * from {{ ref('stg_qqcatalyst__terminations') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(termination_key as varchar) as termination_key,
        cast(agency as varchar) as agency,
        cast(termination_id as bigint) as termination_id,
        cast(policy_key as varchar) as policy_key,
        cast(policy_id as bigint) as policy_id,
        cast(termination_date as date) as termination_date,
        cast(termination_type as varchar) as termination_type,
        cast(reason as varchar) as reason,
        cast(return_premium as numeric(18, 2)) as return_premium,
        cast(status as varchar) as termination_status,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from terminations

)

select * from final
