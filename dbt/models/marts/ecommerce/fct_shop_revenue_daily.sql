-- Revenue per UTC day and shop (doc blocks ecommerce_revenue_rule and ecommerce_revenue_day_rule):
-- an order's gross revenue and discounts count on the day it was placed, as it stands now (an
-- edit that removed an item has taken it out); a refund counts on the day it was made. Only
-- revenue orders (fct_orders.is_revenue: no test, deleted or never-paid cancelled orders).
-- Rebuilt whole on every build from fct_orders and the staged refunds.

with

orders as (

    select * from {{ ref('fct_orders') }}
    where is_revenue

),

order_days as (

    select
        order_date as revenue_date,
        shop,
        max(currency) as currency,
        count(*) as order_count,
        sum(gross_amount) as gross_revenue,
        sum(discount_amount) as discounts

    from orders
    where order_date is not null
    group by order_date, shop

),

-- Refunded items, on the day of their refund: what net revenue subtracts.
refund_item_days as (

    select
        cast(refund_line_items.refunded_at as date) as revenue_date,
        orders.shop,
        max(orders.currency) as currency,
        sum(refund_line_items.subtotal) as refunds

    from {{ ref('stg_ecommerce__refund_line_items') }} as refund_line_items
    inner join orders
        on refund_line_items.order_key = orders.order_key
    where refund_line_items.refunded_at is not null
    group by cast(refund_line_items.refunded_at as date), orders.shop

),

-- Every refund, items or not, with everything it gave back (tax and shipping included).
refund_days as (

    select
        cast(refunds.refunded_at as date) as revenue_date,
        orders.shop,
        max(orders.currency) as currency,
        count(*) as refund_count,
        sum(refunds.amount) as refunded_total_amount

    from {{ ref('stg_ecommerce__refunds') }} as refunds
    inner join orders
        on refunds.order_key = orders.order_key
    where refunds.refunded_at is not null
    group by cast(refunds.refunded_at as date), orders.shop

),

shop_days as (

    select revenue_date, shop, currency from order_days
    union
    select revenue_date, shop, currency from refund_item_days
    union
    select revenue_date, shop, currency from refund_days

),

-- One currency per shop (Shopify's shop currency); should a shop's currency have changed, a
-- day keeps the one its own orders and refunds were in.
days as (

    select
        revenue_date,
        shop,
        max(currency) as currency

    from shop_days
    group by revenue_date, shop

),

daily as (

    select
        days.revenue_date,
        days.shop,
        days.currency,
        coalesce(order_days.order_count, 0) as order_count,
        coalesce(order_days.gross_revenue, 0) as gross_revenue,
        coalesce(order_days.discounts, 0) as discounts,
        coalesce(refund_item_days.refunds, 0) as refunds,
        coalesce(refund_days.refund_count, 0) as refund_count,
        coalesce(refund_days.refunded_total_amount, 0) as refunded_total_amount

    from days
    left join order_days
        on
            days.revenue_date = order_days.revenue_date
            and days.shop = order_days.shop
    left join refund_item_days
        on
            days.revenue_date = refund_item_days.revenue_date
            and days.shop = refund_item_days.shop
    left join refund_days
        on
            days.revenue_date = refund_days.revenue_date
            and days.shop = refund_days.shop

),

final as (

    select
        cast(shop || '|' || cast(revenue_date as varchar) as varchar) as shop_revenue_day_key,
        cast(revenue_date as date) as revenue_date,
        cast(shop as varchar) as shop,
        cast(currency as varchar) as currency,
        cast(order_count as integer) as order_count,
        cast(gross_revenue as numeric(18, 2)) as gross_revenue,
        cast(discounts as numeric(18, 2)) as discounts,
        cast(refunds as numeric(18, 2)) as refunds,
        cast(gross_revenue - discounts - refunds as numeric(18, 2)) as net_revenue,
        cast(
            case when order_count > 0 then (gross_revenue - discounts) / order_count end
            as numeric(18, 2)
        ) as average_order_value,
        cast(refund_count as integer) as refund_count,
        cast(refunded_total_amount as numeric(18, 2)) as refunded_total_amount

    from daily

)

select * from final
