-- One row per part number per month: how many of the part were used on service tasks that
-- month and what they cost. A part line counts in the month its task was completed (else the
-- month the task was opened, else the month its service request was opened); lines with none
-- of those dates are left out.

with

parts_used as (

    select * from {{ ref('stg_service_csv__parts_used') }}

),

tasks as (

    select * from {{ ref('stg_service_csv__tasks') }}

),

service_requests as (

    select * from {{ ref('stg_service_csv__service_requests') }}

),

part_lines as (

    select
        parts_used.part_number,
        parts_used.part_description,
        parts_used.part_quantity,
        parts_used.part_unit_cost,
        parts_used.task_number,
        tasks.sr_number,
        cast(
            {{ dbt.date_trunc(
                'month',
                'coalesce(tasks.task_completed_at, tasks.task_opened_at, service_requests.sr_opened_at)'
            ) }} as date
        ) as consumption_month,
        coalesce(tasks.task_completed_at, tasks.task_opened_at, service_requests.sr_opened_at) as consumed_at

    from parts_used
    inner join tasks
        on parts_used.task_number = tasks.task_number
    left join service_requests
        on tasks.sr_number = service_requests.sr_number

),

-- The part's description as written on its most recent line.
latest_description as (

    select
        part_number,
        part_description,
        row_number() over (
            partition by part_number
            order by
                case when part_description is null then 1 else 0 end,
                consumed_at desc,
                task_number desc
        ) as recency_rank

    from part_lines

),

monthly as (

    select
        part_number,
        consumption_month,
        count(*) as part_line_count,
        count(distinct task_number) as task_count,
        count(distinct sr_number) as service_request_count,
        sum(coalesce(part_quantity, 0)) as total_quantity,
        sum(coalesce(part_quantity * part_unit_cost, 0)) as total_cost,
        sum(case when part_quantity is null or part_unit_cost is null then 1 else 0 end) as lines_without_cost

    from part_lines
    where consumption_month is not null
    group by part_number, consumption_month

),

final as (

    select
        cast(monthly.part_number || '|' || cast(monthly.consumption_month as varchar) as varchar) as part_month_key,
        cast(monthly.part_number as varchar) as part_number,
        cast(monthly.consumption_month as date) as consumption_month,
        cast(latest_description.part_description as varchar) as part_description,
        cast(monthly.part_line_count as integer) as part_line_count,
        cast(monthly.task_count as integer) as task_count,
        cast(monthly.service_request_count as integer) as service_request_count,
        cast(monthly.total_quantity as numeric(18, 2)) as total_quantity,
        cast(monthly.total_cost as numeric(18, 2)) as total_cost,
        cast(
            case when monthly.total_quantity > 0 then monthly.total_cost / monthly.total_quantity end
            as numeric(18, 2)
        ) as average_unit_cost,
        cast(monthly.lines_without_cost as integer) as lines_without_cost

    from monthly
    left join latest_description
        on monthly.part_number = latest_description.part_number
        and latest_description.recency_rank = 1

)

select * from final
