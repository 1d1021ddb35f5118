-- One row per current department (`department_key` = `<agency>-<DepartmentId>`) and the location
-- it belongs to. Current rows only (doc block insurance_current_rows_rule).

with

departments as (

    select * from {{ ref('stg_qqcatalyst__departments') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(department_key as varchar) as department_key,
        cast(agency as varchar) as agency,
        cast(department_id as bigint) as department_id,
        cast(department_name as varchar) as department_name,
        cast(location_key as varchar) as location_key,
        cast(location_id as bigint) as location_id,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from departments

)

select * from final
