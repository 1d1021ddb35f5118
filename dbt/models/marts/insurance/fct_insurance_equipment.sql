-- One row per piece of equipment scheduled on a current policy (`equipment_key` =
-- `<policy_key>-<EquipmentId>`; commercial property and general liability carry equipment):
-- description, serial number and insured value. A renewal schedules the same equipment, ids and
-- all, so `equipment_id` repeats across a policy's renewals. Current exactly when their policy is (doc block insurance_current_rows_rule).

with

equipment as (

    select * from {{ ref('stg_qqcatalyst__policy_equipment') }}

),

current_policies as (

    select policy_key from {{ ref('stg_qqcatalyst__policies') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(equipment.equipment_key as varchar) as equipment_key,
        cast(equipment.agency as varchar) as agency,
        cast(equipment.policy_key as varchar) as policy_key,
        cast(equipment.policy_id as bigint) as policy_id,
        cast(equipment.position as integer) as position,
        cast(equipment.equipment_id as bigint) as equipment_id,
        cast(equipment.description as varchar) as equipment_description,
        cast(equipment.serial_number as varchar) as serial_number,
        cast(equipment.value as numeric(18, 2)) as insured_value,
        cast(equipment.failed_rules as varchar) as failed_rules,
        cast(equipment.is_valid as boolean) as is_valid

    from equipment
    inner join current_policies
        on equipment.policy_key = current_policies.policy_key

)

select * from final
