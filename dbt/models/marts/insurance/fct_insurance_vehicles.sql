-- One row per vehicle listed on a current policy (`vehicle_key` = `<policy_key>-<VehicleId>`; auto
-- lines carry vehicles): VIN, model year, make and model. A renewal lists the same vehicles, ids
-- and all, so `vehicle_id` repeats across a policy's renewals. Current exactly when their policy is (doc block
-- insurance_current_rows_rule).

with

vehicles as (

    select * from {{ ref('stg_qqcatalyst__policy_vehicles') }}

),

current_policies as (

    select policy_key from {{ ref('stg_qqcatalyst__policies') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(vehicles.vehicle_key as varchar) as vehicle_key,
        cast(vehicles.agency as varchar) as agency,
        cast(vehicles.policy_key as varchar) as policy_key,
        cast(vehicles.policy_id as bigint) as policy_id,
        cast(vehicles.position as integer) as position,
        cast(vehicles.vehicle_id as bigint) as vehicle_id,
        cast(vehicles.vin as varchar) as vin,
        cast(vehicles.year as integer) as model_year,
        cast(vehicles.make as varchar) as make,
        cast(vehicles.model as varchar) as model,
        cast(vehicles.failed_rules as varchar) as failed_rules,
        cast(vehicles.is_valid as boolean) as is_valid

    from vehicles
    inner join current_policies
        on vehicles.policy_key = current_policies.policy_key

)

select * from final
