-- Orders per UTC day placed, shop, financial status and fulfillment status (doc block
-- ecommerce_status_day_rule): each order counts once, on the day it was placed, under its
-- current statuses. Test and deleted orders are left out; cancelled ones are in (their status
-- says so). Rebuilt whole on every build from fct_orders.

with

orders as (

    select * from {{ ref('fct_orders') }}
    where
        not is_test
        and not is_deleted
        and order_date is not null

),

grouped as (

    select
        order_date,
        shop,
        coalesce(financial_status, 'unknown') as financial_status,
        coalesce(fulfillment_status, 'unknown') as fulfillment_status,
        max(currency) as currency,
        count(*) as order_count,
        sum(case when is_cancelled then 1 else 0 end) as cancelled_order_count,
        sum(coalesce(total_amount, 0)) as total_amount,
        sum(coalesce(current_total_amount, 0)) as current_total_amount,
        sum(net_amount) as net_amount

    from orders
    group by
        order_date,
        shop,
        coalesce(financial_status, 'unknown'),
        coalesce(fulfillment_status, 'unknown')

),

final as (

    select
        cast(
            shop || '|' || cast(order_date as varchar) || '|' || financial_status || '|' || fulfillment_status
            as varchar
        ) as order_status_day_key,
        cast(order_date as date) as order_date,
        cast(shop as varchar) as shop,
        cast(financial_status as varchar) as financial_status,
        cast(fulfillment_status as varchar) as fulfillment_status,
        cast(currency as varchar) as currency,
        cast(order_count as integer) as order_count,
        cast(cancelled_order_count as integer) as cancelled_order_count,
        cast(total_amount as numeric(18, 2)) as total_amount,
        cast(current_total_amount as numeric(18, 2)) as current_total_amount,
        cast(net_amount as numeric(18, 2)) as net_amount

    from grouped

)

select * from final
