-- One row per service request (sr_number) from the service-request CSV exports: when it was
-- opened and closed, how long it took, whether it met the SLA of its severity, whether it is a
-- repeat visit, and the work done on it (tasks, labor, parts, notes).

{%- set sla_hours_by_severity = var('service_sla_hours_by_severity') %}
{%- set repeat_window_minutes = var('service_repeat_visit_window_days', 30) * 24 * 60 %}

with

service_requests as (

    select * from {{ ref('stg_service_csv__service_requests') }}

),

tasks as (

    select * from {{ ref('stg_service_csv__tasks') }}

),

parts_used as (

    select * from {{ ref('stg_service_csv__parts_used') }}

),

notes as (

    select * from {{ ref('stg_service_csv__sr_notes') }}

),

-- The data's "now": the newest open or close time in it, not the wall clock, so a rebuild of
-- the same RAW gives the same rows. Open requests are measured against it.
data_horizon as (

    select
        max(
            case
                when sr_closed_at is not null and sr_closed_at > sr_opened_at then sr_closed_at
                else sr_opened_at
            end
        ) as data_as_of

    from service_requests

),

task_totals as (

    select
        sr_number,
        count(*) as task_count,
        sum(case when task_completed_at is not null then 1 else 0 end) as completed_task_count,
        sum(coalesce(labor_hours, 0)) as labor_hours

    from tasks
    group by sr_number

),

part_totals as (

    select
        tasks.sr_number,
        count(*) as part_line_count,
        sum(coalesce(parts_used.part_quantity, 0)) as part_quantity,
        sum(coalesce(parts_used.part_quantity * parts_used.part_unit_cost, 0)) as parts_cost

    from parts_used
    inner join tasks
        on parts_used.task_number = tasks.task_number
    group by tasks.sr_number

),

note_totals as (

    select
        sr_number,
        count(*) as note_count

    from notes
    group by sr_number

),

-- Repeat visits: the previous request of the same customer for the same unit (serial number).
sequenced as (

    select
        *,
        lag(sr_number) over (
            partition by customer_account_number, serial_number
            order by sr_opened_at, sr_number
        ) as previous_sr_number,
        lag(sr_opened_at) over (
            partition by customer_account_number, serial_number
            order by sr_opened_at, sr_number
        ) as previous_sr_opened_at

    from service_requests
    where
        customer_account_number is not null
        and serial_number is not null
        and sr_opened_at is not null

),

measured as (

    select
        service_requests.*,
        sequenced.previous_sr_number,
        sequenced.previous_sr_opened_at,
        data_horizon.data_as_of,
        case
            when service_requests.sr_closed_at >= service_requests.sr_opened_at
                then {{ dbt.datediff('service_requests.sr_opened_at', 'service_requests.sr_closed_at', 'minute') }}
        end as minutes_to_close,
        case
            when service_requests.sr_closed_at is null and service_requests.sr_opened_at is not null
                then {{ dbt.datediff('service_requests.sr_opened_at', 'data_horizon.data_as_of', 'minute') }}
        end as minutes_open_so_far,
        case
            {%- for severity, hours in sla_hours_by_severity.items() %}
            when lower(trim(service_requests.sr_severity)) = '{{ severity | lower }}'
                or lower(trim(service_requests.sr_severity)) like '%-{{ severity | lower }}' then {{ hours }}
            {%- endfor %}
        end as sla_hours

    from service_requests
    cross join data_horizon
    left join sequenced
        on service_requests.sr_number = sequenced.sr_number

),

final as (

    select
        cast(measured.sr_number as varchar) as sr_number,
        cast(measured.customer_account_number as varchar) as customer_account_number,
        cast(measured.site_id as varchar) as site_id,
        cast(measured.product_model as varchar) as product_model,
        cast(measured.serial_number as varchar) as serial_number,
        cast(measured.sr_type as varchar) as sr_type,
        cast(measured.sr_status as varchar) as sr_status,
        cast(measured.sr_severity as varchar) as sr_severity,
        cast(measured.sr_opened_at as timestamp) as opened_at,
        cast(measured.sr_closed_at as timestamp) as closed_at,
        cast(measured.sr_closed_at is not null as boolean) as is_closed,
        cast(measured.minutes_to_close / 60.0 as numeric(18, 2)) as hours_to_close,
        cast(measured.sla_hours as integer) as sla_hours,
        cast(
            case
                when measured.sla_hours is not null
                    then {{ dbt.dateadd('hour', 'measured.sla_hours', 'measured.sr_opened_at') }}
            end as timestamp
        ) as sla_due_at,
        cast(
            case
                when measured.sla_hours is null or measured.sr_opened_at is null then null
                when measured.sr_closed_at is not null
                    then measured.minutes_to_close > measured.sla_hours * 60
                else measured.minutes_open_so_far > measured.sla_hours * 60
            end as boolean
        ) as is_sla_breached,
        cast(measured.previous_sr_number as varchar) as previous_sr_number,
        cast(measured.previous_sr_opened_at as timestamp) as previous_sr_opened_at,
        cast(
            coalesce(
                measured.previous_sr_opened_at is not null
                and {{ dbt.datediff('measured.previous_sr_opened_at', 'measured.sr_opened_at', 'minute') }}
                <= {{ repeat_window_minutes }},
                false
            ) as boolean
        ) as is_repeat_visit,
        cast(coalesce(task_totals.task_count, 0) as integer) as task_count,
        cast(coalesce(task_totals.completed_task_count, 0) as integer) as completed_task_count,
        cast(coalesce(task_totals.labor_hours, 0) as numeric(18, 2)) as labor_hours,
        cast(coalesce(part_totals.part_line_count, 0) as integer) as part_line_count,
        cast(coalesce(part_totals.part_quantity, 0) as numeric(18, 2)) as part_quantity,
        cast(coalesce(part_totals.parts_cost, 0) as numeric(18, 2)) as parts_cost,
        cast(coalesce(note_totals.note_count, 0) as integer) as note_count,
        cast(measured.data_as_of as timestamp) as data_as_of

    from measured
    left join task_totals
        on measured.sr_number = task_totals.sr_number
    left join part_totals
        on measured.sr_number = part_totals.sr_number
    left join note_totals
        on measured.sr_number = note_totals.sr_number

)

select * from final
