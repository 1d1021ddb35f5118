-- One row per service request, described as of the moment it was opened: only what was known
-- then (the request's own attributes and the customer's history strictly before its open
-- time). The label, hours_to_resolution, is the only column that looks ahead. History is
-- computed as a running total over one timeline of open and close events per customer, so the
-- model scales with the number of requests, not with requests squared.

with

service_requests as (

    select * from {{ ref('fct_service_requests') }}
    where opened_at is not null

),

-- Every request opens once and, when closed, closes once. A close time before the open time
-- (bad data) is treated as closing the moment it opened, without a duration.
customer_events as (

    select
        customer_account_number,
        opened_at as event_at,
        1 as opened_delta,
        0 as closed_delta,
        0 as timed_close_delta,
        cast(0 as numeric(18, 2)) as hours_to_close_delta

    from service_requests
    where customer_account_number is not null

    union all

    select
        customer_account_number,
        case when closed_at >= opened_at then closed_at else opened_at end as event_at,
        0 as opened_delta,
        1 as closed_delta,
        case when hours_to_close is not null then 1 else 0 end as timed_close_delta,
        coalesce(hours_to_close, 0) as hours_to_close_delta

    from service_requests
    where customer_account_number is not null and closed_at is not null

),

customer_moments as (

    select
        customer_account_number,
        event_at,
        sum(opened_delta) as opened_at_moment,
        sum(closed_delta) as closed_at_moment,
        sum(timed_close_delta) as timed_closed_at_moment,
        sum(hours_to_close_delta) as hours_to_close_at_moment

    from customer_events
    group by customer_account_number, event_at

),

-- Totals of everything that happened strictly before each moment.
customer_history as (

    select
        customer_account_number,
        event_at,
        coalesce(sum(opened_at_moment) over (
            partition by customer_account_number order by event_at
            rows between unbounded preceding and 1 preceding
        ), 0) as opened_before,
        coalesce(sum(closed_at_moment) over (
            partition by customer_account_number order by event_at
            rows between unbounded preceding and 1 preceding
        ), 0) as closed_before,
        coalesce(sum(timed_closed_at_moment) over (
            partition by customer_account_number order by event_at
            rows between unbounded preceding and 1 preceding
        ), 0) as timed_closed_before,
        coalesce(sum(hours_to_close_at_moment) over (
            partition by customer_account_number order by event_at
            rows between unbounded preceding and 1 preceding
        ), 0) as hours_to_close_before

    from customer_moments

),

unit_history as (

    select
        sr_number,
        -- rank() gives tied open times the same rank: requests opened strictly before.
        rank() over (
            partition by customer_account_number, serial_number
            order by opened_at
        ) - 1 as unit_prior_request_count

    from service_requests
    where customer_account_number is not null and serial_number is not null

),

final as (

    select
        cast(service_requests.sr_number as varchar) as sr_number,
        cast(service_requests.customer_account_number as varchar) as customer_account_number,
        cast(service_requests.opened_at as timestamp) as opened_at,
        cast(service_requests.sr_type as varchar) as sr_type,
        cast(service_requests.sr_severity as varchar) as sr_severity,
        cast(service_requests.product_model as varchar) as product_model,
        cast(service_requests.sla_hours as integer) as sla_hours,
        cast(extract(hour from service_requests.opened_at) as integer) as open_hour,
        cast(extract(dow from service_requests.opened_at) as integer) as open_weekday,
        cast(coalesce(customer_history.opened_before, 0) as integer) as customer_prior_request_count,
        cast(coalesce(customer_history.closed_before, 0) as integer) as customer_prior_closed_request_count,
        cast(
            case
                when customer_history.timed_closed_before > 0
                    then customer_history.hours_to_close_before / customer_history.timed_closed_before
            end as numeric(18, 2)
        ) as customer_prior_avg_hours_to_close,
        cast(
            coalesce(customer_history.opened_before - customer_history.closed_before, 0) as integer
        ) as customer_open_backlog_at_open,
        cast(coalesce(unit_history.unit_prior_request_count, 0) as integer) as unit_prior_request_count,
        cast(service_requests.is_repeat_visit as boolean) as is_repeat_visit,
        cast(service_requests.hours_to_close as numeric(18, 2)) as hours_to_resolution,
        cast(service_requests.is_closed as boolean) as is_closed,
        cast(service_requests.data_as_of as timestamp) as data_as_of

    from service_requests
    left join customer_history
        on service_requests.customer_account_number = customer_history.customer_account_number
        and service_requests.opened_at = customer_history.event_at
    left join unit_history
        on service_requests.sr_number = unit_history.sr_number

)

select * from final
