-- No feature of service_request_resolution_features may see anything on or after the request's
-- open time. Recomputed here the slow, obvious way (a self-join on the customer), independently
-- of the model's running totals. Rows returned are requests whose features disagree.

with

features as (

    select * from {{ ref('service_request_resolution_features') }}

),

requests as (

    select * from {{ ref('fct_service_requests') }}
    where opened_at is not null

),

recomputed as (

    select
        features.sr_number,
        count(earlier.sr_number) as prior_requests,
        sum(
            case
                when earlier.closed_at is not null
                    and (case when earlier.closed_at >= earlier.opened_at then earlier.closed_at else earlier.opened_at end)
                    < features.opened_at
                    then 1
                else 0
            end
        ) as prior_closed

    from features
    left join requests as earlier
        on features.customer_account_number = earlier.customer_account_number
        and earlier.opened_at < features.opened_at
    group by features.sr_number

)

select
    features.sr_number,
    features.customer_prior_request_count,
    recomputed.prior_requests,
    features.customer_prior_closed_request_count,
    recomputed.prior_closed

from features
inner join recomputed
    on features.sr_number = recomputed.sr_number
where
    features.customer_prior_request_count <> recomputed.prior_requests
    or features.customer_prior_closed_request_count <> coalesce(recomputed.prior_closed, 0)
    or features.customer_open_backlog_at_open
    <> recomputed.prior_requests - coalesce(recomputed.prior_closed, 0)
