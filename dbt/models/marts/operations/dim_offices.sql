-- One row per office seen anywhere in PestRoutes staging, with the office's headcount and
-- customer base as of the latest load.

with

customers as (

    select * from {{ ref('stg_pestroutes__customers') }}

),

employees as (

    select * from {{ ref('stg_pestroutes__employees') }}

),

service_types as (

    select * from {{ ref('stg_pestroutes__service_types') }}

),

offices_seen as (

    -- Dimensions exist before the first sale, so an office with no customers yet is still seen.
    select customers.office_name, customers.office_id, customers.office_timezone from customers
    union all
    select employees.office_name, employees.office_id, employees.office_timezone from employees
    union all
    select service_types.office_name, service_types.office_id, service_types.office_timezone from service_types

),

offices as (

    select
        offices_seen.office_name,
        max(offices_seen.office_id) as pestroutes_office_id,
        max(offices_seen.office_timezone) as office_timezone

    from offices_seen
    group by offices_seen.office_name

),

customer_counts as (

    select
        customers.office_name,
        count(*) as customer_count,
        sum(case when customers.status = 1 then 1 else 0 end) as active_customer_count,
        min(customers.date_added) as first_customer_added_at

    from customers
    group by customers.office_name

),

employee_counts as (

    select
        employees.office_name,
        sum(case when employees.active then 1 else 0 end) as active_employee_count,
        sum(case when employees.active and employees.type = 1 then 1 else 0 end) as active_technician_count

    from employees
    group by employees.office_name

),

final as (

    select
        cast(offices.office_name as varchar) as office_name,
        cast(offices.pestroutes_office_id as bigint) as pestroutes_office_id,
        cast(offices.office_timezone as varchar) as office_timezone,
        cast(coalesce(customer_counts.customer_count, 0) as integer) as customer_count,
        cast(coalesce(customer_counts.active_customer_count, 0) as integer) as active_customer_count,
        cast(coalesce(employee_counts.active_employee_count, 0) as integer) as active_employee_count,
        cast(coalesce(employee_counts.active_technician_count, 0) as integer) as active_technician_count,
        cast(customer_counts.first_customer_added_at as timestamp) as first_customer_added_at

    from offices
    left join customer_counts
        on offices.office_name = customer_counts.office_name
    left join employee_counts
        on offices.office_name = employee_counts.office_name

)

select * from final
