-- One row per driver listed on a current policy (`driver_key` = `<policy_key>-<DriverId>`; auto
-- lines carry drivers): name, date of birth and licence. A renewal lists the same drivers, ids
-- and all, so `driver_id` repeats across a policy's renewals. A policy's lists come with the policy record, so they are current
-- exactly when their policy is (doc block insurance_current_rows_rule); invalid values carried
-- standardised with their failed_rules (doc block insurance_validation_rule).

with

drivers as (

    select * from {{ ref('stg_qqcatalyst__policy_drivers') }}

),

current_policies as (

    select policy_key from {{ ref('stg_qqcatalyst__policies') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(drivers.driver_key as varchar) as driver_key,
        cast(drivers.agency as varchar) as agency,
        cast(drivers.policy_key as varchar) as policy_key,
        cast(drivers.policy_id as bigint) as policy_id,
        cast(drivers.position as integer) as position,
        cast(drivers.driver_id as bigint) as driver_id,
        cast(drivers.first_name as varchar) as first_name,
        cast(drivers.last_name as varchar) as last_name,
        cast(drivers.date_of_birth as date) as date_of_birth,
        cast(drivers.license_number as varchar) as license_number,
        cast(drivers.license_state as varchar) as license_state,
        cast(drivers.failed_rules as varchar) as failed_rules,
        cast(drivers.is_valid as boolean) as is_valid

    from drivers
    inner join current_policies
        on drivers.policy_key = current_policies.policy_key

)

select * from final
