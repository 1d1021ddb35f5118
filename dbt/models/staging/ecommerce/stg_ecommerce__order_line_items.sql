-- Shopify order line items: one row per line item of each order's latest version, flattened
-- from `record.lineItems.nodes` (the loader pages the nested connection to its end; fct_orders
-- checks that every line item read landed here). An order edit never deletes a line item: a
-- removed one stays with currentQuantity 0, an added one is a new line item.
-- Staging never reads staging, so the latest version is chosen here with the same rule as
-- stg_ecommerce__orders (latest_version_per_key on the same key and cursor).

with

source as (

    select * from {{ source_or_empty('ecommerce', 'orders') }}

),

renamed as (

    select
        record,
        {{ json_path_fields('record', {'id': 'order_id', 'updatedAt': 'updated_at'}) }},
        _shop as shop,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        record,
        shop || '|' || order_id as order_key,
        order_id,
        shop,
        {{ safe_rfc3339_timestamp('updated_at') }} as updated_at,
        extracted_at,
        dlt_load_id

    from renamed

),

latest_versions as (

    {{ latest_version_per_key('typed', 'order_key', 'updated_at') }}

),

line_items as (

    select
        latest_versions.order_key,
        latest_versions.order_id,
        latest_versions.shop,
        {{ json_path_fields(json_array_element('line_item'), {
            'id': 'line_item_id',
            'sku': 'sku',
            'title': 'title',
            'variantTitle': 'variant_title',
            'quantity': 'quantity',
            'currentQuantity': 'current_quantity',
            'originalUnitPriceSet.shopMoney.amount': 'original_unit_price',
            'discountedUnitPriceSet.shopMoney.amount': 'discounted_unit_price',
            'totalDiscountSet.shopMoney.amount': 'total_discount_amount',
            'product.id': 'product_id',
            'variant.id': 'variant_id',
            'requiresShipping': 'requires_shipping',
            'taxable': 'is_taxable',
        }) }},
        latest_versions.extracted_at,
        latest_versions.dlt_load_id

    from latest_versions
    {{ unnest_json_array(json_path_value('latest_versions.record', 'lineItems'), 'nodes', 'line_item') }}

),

typed_line_items as (

    select
        shop || '|' || line_item_id as line_item_key,
        line_item_id,
        order_key,
        order_id,
        shop,
        {{ nullif_blank('sku') }} as sku,
        {{ nullif_blank('title') }} as title,
        {{ nullif_blank('variant_title') }} as variant_title,
        {{ nullif_blank('product_id') }} as product_id,
        {{ nullif_blank('variant_id') }} as variant_id,
        {{ safe_integer('quantity') }} as quantity,
        {{ safe_integer('current_quantity') }} as current_quantity,
        -- Cast again: PostgreSQL drops the numeric(18,2) of safe_decimal's CASE in a view.
        cast({{ safe_decimal('original_unit_price', 18, 2) }} as numeric(18, 2)) as original_unit_price,
        cast({{ safe_decimal('discounted_unit_price', 18, 2) }} as numeric(18, 2)) as discounted_unit_price,
        cast({{ safe_decimal('total_discount_amount', 18, 2) }} as numeric(18, 2)) as total_discount_amount,
        {{ safe_boolean('requires_shipping') }} as requires_shipping,
        {{ safe_boolean('is_taxable') }} as is_taxable,
        extracted_at,
        dlt_load_id

    from line_items

),

final as (

    select
        line_item_key,
        line_item_id,
        order_key,
        order_id,
        shop,
        sku,
        title,
        variant_title,
        product_id,
        variant_id,
        quantity,
        current_quantity,
        -- No longer on the order: removed by an edit or refunded whole (Shopify's
        -- currentQuantity excludes both); fct_order_items tells the two apart.
        coalesce(current_quantity = 0 and quantity > 0, false) as is_removed,
        original_unit_price,
        discounted_unit_price,
        total_discount_amount,
        requires_shipping,
        is_taxable,
        extracted_at,
        dlt_load_id

    from typed_line_items

)

select * from final
