{#- Incremental: each run merges the orders whose latest version landed after the newest load
    already merged (dlt_load_id), plus those whose deletion state changed with a new sweep
    (a sweep adds no order version) and any order not merged yet. Every column is a function of
    one order version, its items, its refunds and its shop's latest sweep, so a merged row equals
    what a full build gives. Deleted and test orders stay, flagged (is_deleted, is_test), with
    is_revenue false. Amounts and counts come from the order's line items in staging, through
    the same rule as fct_order_items (ecommerce_line_item_amounts): neither mart reads the
    other, so a build of one alone never merges from a stale copy of the other. The line item
    count is what landed in staging, which the completeness check compares with what the
    loader read. on_schema_change 'fail': a changed column list needs a --full-refresh. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['shop', 'order_id'],
        on_schema_change='fail',
    )
}}

with

orders as (

    select * from {{ ref('stg_ecommerce__orders') }}

),

{% if is_incremental() %}

merged_through as (

    select coalesce(max(dlt_load_id), '') as dlt_load_id from {{ this }}

),

changed_orders as (

    -- A new version landed (payment, fulfilment, edit, refund, cancellation ...).
    select orders.order_key
    from orders
    cross join merged_through
    where orders.dlt_load_id > merged_through.dlt_load_id

    union

    -- Not merged yet, or a sweep changed whether it is deleted.
    select orders.order_key
    from orders
    left join {{ this }} as merged
        on
            orders.shop = merged.shop
            and orders.order_id = merged.order_id
    where
        merged.order_id is null
        or merged.is_deleted <> orders.is_deleted

),

{% endif %}

in_scope as (

    select * from orders
    {%- if is_incremental() %}
    where order_key in (select changed_orders.order_key from changed_orders)
    {%- endif %}

),

line_items as (

    select * from {{ ref('stg_ecommerce__order_line_items') }}
    where order_key in (select in_scope.order_key from in_scope)

),

-- The revenue rule of each item (doc block ecommerce_revenue_rule), as in fct_order_items.
line_item_amounts as (

    {{ ecommerce_line_item_amounts('line_items', ref('stg_ecommerce__refund_line_items')) }}

),

items as (

    select
        order_key,
        -- What landed in staging, for the completeness check against the loader's count.
        count(*) as line_items_landed,
        sum(case when kept_quantity > 0 then 1 else 0 end) as current_line_item_count,
        sum(case when is_removed then 1 else 0 end) as removed_line_item_count,
        sum(sold_quantity) as units_sold,
        sum(kept_quantity) as current_units,
        sum(gross_amount) as gross_amount,
        sum(discount_amount) as line_discount_amount,
        -- Line-level discounts on every unit ordered, as Shopify's totalDiscountsSet counts them.
        sum(ordered_quantity * (unit_price - unit_price_after_discount)) as ordered_line_discount_amount,
        sum(ordered_quantity * unit_price) as ordered_gross_amount,
        sum(refund_amount) as refund_amount,
        sum(current_revenue_amount) as current_revenue_amount

    from line_item_amounts
    group by order_key

),

refunds as (

    select
        order_key,
        count(*) as refund_count

    from {{ ref('stg_ecommerce__refunds') }}
    where order_key in (select in_scope.order_key from in_scope)
    group by order_key

),

joined as (

    select
        in_scope.*,
        coalesce(items.line_items_landed, 0) as line_items_landed,
        coalesce(items.current_line_item_count, 0) as current_line_item_count,
        coalesce(items.removed_line_item_count, 0) as removed_line_item_count,
        coalesce(items.units_sold, 0) as units_sold,
        coalesce(items.current_units, 0) as current_units,
        coalesce(items.gross_amount, 0) as gross_amount,
        coalesce(items.line_discount_amount, 0) as line_discount_amount,
        coalesce(items.ordered_line_discount_amount, 0) as ordered_line_discount_amount,
        coalesce(items.ordered_gross_amount, 0) as ordered_gross_amount,
        coalesce(items.refund_amount, 0) as refund_amount,
        coalesce(items.current_revenue_amount, 0) as current_revenue_amount,
        coalesce(refunds.refund_count, 0) as refund_count

    from in_scope
    left join items
        on in_scope.order_key = items.order_key
    left join refunds
        on in_scope.order_key = refunds.order_key

),

-- Order-level and code discounts: what Shopify's totalDiscountsSet holds beyond the line-level
-- discounts of the units ordered. They are not allocated to units in the fields loaded, so
-- they apply to the units sold in proportion to their value (doc block ecommerce_revenue_rule).
discounts as (

    select
        *,
        case
            when coalesce(total_discounts_amount, 0) > ordered_line_discount_amount
                then coalesce(total_discounts_amount, 0) - ordered_line_discount_amount
            else 0
        end as unallocated_discount_amount

    from joined

),

measured as (

    select
        *,
        case
            when ordered_gross_amount > 0
                then round(unallocated_discount_amount * gross_amount / ordered_gross_amount, 2)
            else 0
        end as order_discount_amount

    from discounts

),

flagged as (

    select
        *,
        cancelled_at is not null as is_cancelled,
        coalesce(line_items_complete, false) and line_items_landed = coalesce(line_items_read, -1)
            as has_all_line_items,
        -- Doc block ecommerce_is_revenue_rule.
        case
            when is_test or is_deleted then false
            when financial_status in ('voided', 'expired') then false
            when cancelled_at is not null and financial_status in ('pending', 'authorized') then false
            else true
        end as is_revenue

    from measured

),

final as (

    select
        cast(order_key as varchar) as order_key,
        cast(order_id as varchar) as order_id,
        cast(shop as varchar) as shop,
        cast(legacy_order_id as bigint) as legacy_order_id,
        cast(order_name as varchar) as order_name,
        cast(created_at as timestamp) as created_at,
        cast(processed_at as timestamp) as processed_at,
        cast(updated_at as timestamp) as updated_at,
        cast(cancelled_at as timestamp) as cancelled_at,
        cast(closed_at as timestamp) as closed_at,
        cast(coalesce(processed_at, created_at) as date) as order_date,
        cast(cancel_reason as varchar) as cancel_reason,
        cast(financial_status as varchar) as financial_status,
        cast(fulfillment_status as varchar) as fulfillment_status,
        cast(currency as varchar) as currency,
        cast(customer_id as varchar) as customer_id,
        cast(is_test as boolean) as is_test,
        cast(is_deleted as boolean) as is_deleted,
        cast(is_cancelled as boolean) as is_cancelled,
        cast(is_revenue as boolean) as is_revenue,
        cast(line_items_read as integer) as line_items_read,
        cast(line_items_complete as boolean) as line_items_complete,
        cast(line_items_landed as integer) as line_items_landed,
        cast(has_all_line_items as boolean) as has_all_line_items,
        cast(current_line_item_count as integer) as current_line_item_count,
        cast(removed_line_item_count as integer) as removed_line_item_count,
        cast(units_sold as integer) as units_sold,
        cast(current_units as integer) as current_units,
        cast(refund_count as integer) as refund_count,
        cast(subtotal_amount as numeric(18, 2)) as subtotal_amount,
        cast(total_discounts_amount as numeric(18, 2)) as total_discounts_amount,
        cast(tax_amount as numeric(18, 2)) as tax_amount,
        cast(total_amount as numeric(18, 2)) as total_amount,
        cast(current_total_amount as numeric(18, 2)) as current_total_amount,
        cast(total_refunded_amount as numeric(18, 2)) as total_refunded_amount,
        cast(gross_amount as numeric(18, 2)) as gross_amount,
        cast(line_discount_amount + order_discount_amount as numeric(18, 2)) as discount_amount,
        cast(order_discount_amount as numeric(18, 2)) as order_discount_amount,
        cast(refund_amount as numeric(18, 2)) as refund_amount,
        cast(gross_amount - line_discount_amount - order_discount_amount - refund_amount as numeric(18, 2))
            as net_amount,
        cast(current_revenue_amount as numeric(18, 2)) as current_revenue_amount,
        cast(dlt_load_id as varchar) as dlt_load_id

    from flagged

)

select * from final
