{#- Incremental: each run merges the line items of the orders whose latest version landed after
    the newest load already merged (dlt_load_id: an order's line items and refunds arrive with
    the order's own version, so the item rows of one order always carry one load). Every column
    is a function of one order version's own items and refunds, so a merged row equals what a
    full build gives. Line items are never deleted from an order (an edit sets
    currentQuantity to 0), so merging on the item's key leaves nothing stale.
    on_schema_change 'fail': a changed column list needs a --full-refresh. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['shop', 'line_item_id'],
        on_schema_change='fail',
    )
}}

with

line_items as (

    select * from {{ ref('stg_ecommerce__order_line_items') }}
    {%- if is_incremental() %}
    where dlt_load_id > (select coalesce(max(merged.dlt_load_id), '') from {{ this }} as merged)
    {%- endif %}

),

-- The revenue rule of each item (doc block ecommerce_revenue_rule), shared with fct_orders.
amounts as (

    {{ ecommerce_line_item_amounts('line_items', ref('stg_ecommerce__refund_line_items')) }}

),

final as (

    select
        cast(line_item_key as varchar) as line_item_key,
        cast(line_item_id as varchar) as line_item_id,
        cast(order_key as varchar) as order_key,
        cast(order_id as varchar) as order_id,
        cast(shop as varchar) as shop,
        cast(sku as varchar) as sku,
        cast(title as varchar) as title,
        cast(variant_title as varchar) as variant_title,
        cast(product_id as varchar) as product_id,
        cast(variant_id as varchar) as variant_id,
        cast(ordered_quantity as integer) as quantity,
        cast(kept_quantity as integer) as current_quantity,
        cast(refunded_quantity as integer) as refunded_quantity,
        cast(edit_removed_quantity as integer) as edit_removed_quantity,
        cast(sold_quantity as integer) as sold_quantity,
        cast(coalesce(is_removed, false) as boolean) as is_removed,
        cast(original_unit_price as numeric(18, 2)) as original_unit_price,
        cast(discounted_unit_price as numeric(18, 2)) as discounted_unit_price,
        cast(total_discount_amount as numeric(18, 2)) as total_discount_amount,
        cast(gross_amount as numeric(18, 2)) as gross_amount,
        cast(discount_amount as numeric(18, 2)) as discount_amount,
        cast(refund_amount as numeric(18, 2)) as refund_amount,
        cast(gross_amount - discount_amount - refund_amount as numeric(18, 2)) as net_amount,
        cast(current_revenue_amount as numeric(18, 2)) as current_revenue_amount,
        cast(requires_shipping as boolean) as requires_shipping,
        cast(is_taxable as boolean) as is_taxable,
        cast(dlt_load_id as varchar) as dlt_load_id

    from amounts

)

select * from final
