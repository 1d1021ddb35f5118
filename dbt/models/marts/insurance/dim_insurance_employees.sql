-- One row per current employee (`employee_key` = `<agency>-<EmployeeId>`): name, contact details,
-- department, location, role and status (A active, I inactive). Agents, CSRs, producers and
-- managers: the agent of a contact or policy joins here (`agent_key`). Current rows only (doc
-- block insurance_current_rows_rule); invalid values carried standardised with their
-- failed_rules (doc block insurance_validation_rule).

with

employees as (

    select * from {{ ref('stg_qqcatalyst__employees') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(employee_key as varchar) as employee_key,
        cast(agency as varchar) as agency,
        cast(employee_id as bigint) as employee_id,
        cast(first_name as varchar) as first_name,
        cast(last_name as varchar) as last_name,
        cast(email as varchar) as email,
        cast(phone as varchar) as phone,
        cast(department_key as varchar) as department_key,
        cast(department_id as bigint) as department_id,
        cast(location_key as varchar) as location_key,
        cast(location_id as bigint) as location_id,
        cast(role as varchar) as employee_role,
        cast(status as varchar) as employee_status,
        cast(status = 'A' as boolean) as is_active,
        cast(hire_date as date) as hire_date,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from employees

)

select * from final
