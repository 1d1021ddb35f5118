-- One row per coverage of a current policy (`coverage_key` = `<policy_key>-<CoverageId>`; every
-- line carries coverages): the coverage code and description, its limit, deductible and premium. Current exactly when their
-- policy is (doc block insurance_current_rows_rule); amounts that failed the currency rule are
-- NULL, with the rule in failed_rules (doc block insurance_validation_rule).

with

coverages as (

    select * from {{ ref('stg_qqcatalyst__policy_coverages') }}

),

current_policies as (

    select policy_key from {{ ref('stg_qqcatalyst__policies') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(coverages.coverage_key as varchar) as coverage_key,
        cast(coverages.agency as varchar) as agency,
        cast(coverages.policy_key as varchar) as policy_key,
        cast(coverages.policy_id as bigint) as policy_id,
        cast(coverages.position as integer) as position,
        cast(coverages.coverage_id as bigint) as coverage_id,
        cast(coverages.coverage_code as varchar) as coverage_code,
        cast(coverages.description as varchar) as coverage_description,
        cast(coverages.coverage_limit as numeric(18, 2)) as coverage_limit,
        cast(coverages.deductible as numeric(18, 2)) as deductible,
        cast(coverages.premium as numeric(18, 2)) as premium,
        cast(coverages.failed_rules as varchar) as failed_rules,
        cast(coverages.is_valid as boolean) as is_valid

    from coverages
    inner join current_policies
        on coverages.policy_key = current_policies.policy_key

)

select * from final
