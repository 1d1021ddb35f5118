-- One row per customer of the service-request CSV exports (customer_account_number): who they
-- are (latest details) and their service history: requests, open requests, time to close, SLA
-- breaches, repeat visits, first and last request.

with

customers as (

    select * from {{ ref('stg_service_csv__customers') }}

),

service_requests as (

    select * from {{ ref('fct_service_requests') }}

),

history as (

    select
        customer_account_number,
        count(*) as request_count,
        sum(case when is_closed then 0 else 1 end) as open_request_count,
        sum(case when is_closed then 1 else 0 end) as closed_request_count,
        avg(hours_to_close) as avg_hours_to_close,
        sum(case when is_sla_breached then 1 else 0 end) as sla_breached_request_count,
        sum(case when is_repeat_visit then 1 else 0 end) as repeat_visit_count,
        count(distinct serial_number) as serviced_unit_count,
        min(opened_at) as first_request_opened_at,
        max(opened_at) as last_request_opened_at

    from service_requests
    group by customer_account_number

),

last_request as (

    select
        customer_account_number,
        sr_number,
        row_number() over (
            partition by customer_account_number
            order by opened_at desc nulls last, sr_number desc
        ) as recency_rank

    from service_requests

),

final as (

    select
        cast(customers.customer_account_number as varchar) as customer_account_number,
        cast(customers.customer_name as varchar) as customer_name,
        cast(customers.customer_city as varchar) as customer_city,
        cast(customers.customer_state as varchar) as customer_state,
        cast(customers.customer_country as varchar) as customer_country,
        cast(customers.customer_segment as varchar) as customer_segment,
        cast(coalesce(history.request_count, 0) as integer) as request_count,
        cast(coalesce(history.open_request_count, 0) as integer) as open_request_count,
        cast(coalesce(history.closed_request_count, 0) as integer) as closed_request_count,
        cast(history.avg_hours_to_close as numeric(18, 2)) as avg_hours_to_close,
        cast(coalesce(history.sla_breached_request_count, 0) as integer) as sla_breached_request_count,
        cast(coalesce(history.repeat_visit_count, 0) as integer) as repeat_visit_count,
        cast(coalesce(history.serviced_unit_count, 0) as integer) as serviced_unit_count,
        cast(history.first_request_opened_at as timestamp) as first_request_opened_at,
        cast(history.last_request_opened_at as timestamp) as last_request_opened_at,
        cast(last_request.sr_number as varchar) as last_sr_number

    from customers
    left join history
        on customers.customer_account_number = history.customer_account_number
    left join last_request
        on customers.customer_account_number = last_request.customer_account_number
        and last_request.recency_rank = 1

)

select * from final
