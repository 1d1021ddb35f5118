-- Every part line with a consumption date is counted once in fct_parts_consumption: per part
-- number, the mart's line count, quantity and cost over all months equal the staged part lines'
-- (through their task). Rows returned are part numbers that do not reconcile.

with

staged as (

    select
        parts_used.part_number,
        count(*) as part_line_count,
        sum(coalesce(parts_used.part_quantity, 0)) as total_quantity,
        sum(coalesce(parts_used.part_quantity * parts_used.part_unit_cost, 0)) as total_cost

    from {{ ref('stg_service_csv__parts_used') }} as parts_used
    inner join {{ ref('stg_service_csv__tasks') }} as tasks
        on parts_used.task_number = tasks.task_number
    left join {{ ref('stg_service_csv__service_requests') }} as service_requests
        on tasks.sr_number = service_requests.sr_number
    where coalesce(tasks.task_completed_at, tasks.task_opened_at, service_requests.sr_opened_at) is not null
    group by parts_used.part_number

),

mart as (

    select
        part_number,
        sum(part_line_count) as part_line_count,
        sum(total_quantity) as total_quantity,
        sum(total_cost) as total_cost

    from {{ ref('fct_parts_consumption') }}
    group by part_number

)

select
    coalesce(staged.part_number, mart.part_number) as part_number,
    staged.part_line_count as staged_line_count,
    mart.part_line_count as mart_line_count,
    staged.total_quantity as staged_quantity,
    mart.total_quantity as mart_quantity,
    staged.total_cost as staged_cost,
    mart.total_cost as mart_cost

from staged
full outer join mart
    on staged.part_number = mart.part_number
where
    staged.part_number is null
    or mart.part_number is null
    or staged.part_line_count <> mart.part_line_count
    or staged.total_quantity <> mart.total_quantity
    or staged.total_cost <> mart.total_cost
