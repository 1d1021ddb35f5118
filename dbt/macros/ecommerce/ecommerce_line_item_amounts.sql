{#-
    The revenue rule of a Shopify line item (doc block ecommerce_revenue_rule), as a query over
    `line_items` (rows of stg_ecommerce__order_line_items) with every column of `line_items` and
    these after them:
        ordered_quantity, kept_quantity     quantity, current_quantity (0 when missing)
        refunded_quantity, refund_amount    the refund line items naming the item
        unit_price, unit_price_after_discount
        edit_removed_quantity, sold_quantity
        gross_amount, discount_amount, current_revenue_amount
    fct_order_items and fct_orders both read line items from staging through it, so the rule is
    written once and neither incremental mart reads the other (a build of one alone never merges
    amounts from a stale copy of the other). `refund_line_items` is only read for the items in
    `line_items`. Plain SQL: the same on every adapter.
-#}
{% macro ecommerce_line_item_amounts(line_items, refund_line_items) -%}
    select
        removals.*,
        removals.sold_quantity * removals.unit_price as gross_amount,
        removals.sold_quantity * (removals.unit_price - removals.unit_price_after_discount) as discount_amount,
        removals.kept_quantity * removals.unit_price_after_discount as current_revenue_amount

    from (

        -- Units removed by an order edit: ordered, but neither still on the order nor refunded
        -- (Shopify's currentQuantity excludes refunded and removed units). Sold: the rest.
        select
            quantities.*,
            case
                when quantities.ordered_quantity - quantities.kept_quantity - quantities.refunded_quantity > 0
                    then quantities.ordered_quantity - quantities.kept_quantity - quantities.refunded_quantity
                else 0
            end as edit_removed_quantity,
            case
                when quantities.ordered_quantity - quantities.kept_quantity - quantities.refunded_quantity > 0
                    then quantities.kept_quantity + quantities.refunded_quantity
                else quantities.ordered_quantity
            end as sold_quantity

        from (

            select
                line_items.*,
                coalesce(line_items.quantity, 0) as ordered_quantity,
                coalesce(line_items.current_quantity, 0) as kept_quantity,
                coalesce(refunded.refunded_quantity, 0) as refunded_quantity,
                coalesce(refunded.refund_amount, 0) as refund_amount,
                coalesce(line_items.original_unit_price, 0) as unit_price,
                -- No discounted price sent: the item had no line-level discount.
                coalesce(line_items.discounted_unit_price, line_items.original_unit_price, 0)
                    as unit_price_after_discount

            from {{ line_items }} as line_items
            -- Refunds are applied to the line item they name (refundLineItems.lineItem.id).
            left join (
                select
                    refund_line_items.line_item_key,
                    sum(refund_line_items.quantity) as refunded_quantity,
                    sum(refund_line_items.subtotal) as refund_amount

                from {{ refund_line_items }} as refund_line_items
                where refund_line_items.line_item_key in (select items.line_item_key from {{ line_items }} as items)
                group by refund_line_items.line_item_key
            ) as refunded
                on line_items.line_item_key = refunded.line_item_key

        ) as quantities

    ) as removals
{%- endmacro %}
