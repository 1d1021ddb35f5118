-- One row per employee per office (office staff, technicians and sales reps), latest version.
-- Contact details stay in staging: the mart carries what operations reporting needs.

with

employees as (

    select * from {{ ref('stg_pestroutes__employees') }}

),

final as (

    select
        cast(employees.employee_key as varchar) as employee_key,
        cast(employees.employee_id as bigint) as employee_id,
        cast(employees.office_name as varchar) as office_name,
        cast(
            trim(coalesce(employees.first_name, '') || ' ' || coalesce(employees.last_name, '')) as varchar
        ) as employee_name,
        cast(employees.type as integer) as employee_type_code,
        cast(
            case employees.type
                when 0 then 'office_staff'
                when 1 then 'technician'
                when 2 then 'sales_rep'
                else 'other'
            end as varchar
        ) as employee_type,
        cast(coalesce(employees.type = 1, false) as boolean) as is_technician,
        cast(coalesce(employees.active, false) as boolean) as is_active,
        cast(
            {{ office_scoped_key('employees.office_name', 'employees.supervisor_id') }} as varchar
        ) as supervisor_employee_key,
        cast({{ office_scoped_key('employees.office_name', 'employees.region_id') }} as varchar) as region_key,
        cast(employees.experience as integer) as experience_years,
        cast(employees.last_login as timestamp) as last_login_at,
        cast(employees.date_updated as timestamp) as updated_at

    from employees

)

select * from final
