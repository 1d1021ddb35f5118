-- Shopify refund line items: one row per line item of each refund of each order's latest
-- version, flattened from `record.refunds[].refundLineItems.nodes` (paged to its end by the
-- loader). `subtotal` is the refunded units' price after line discounts, before tax. The latest
-- version is chosen with the same rule as stg_ecommerce__orders (latest_version_per_key).

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

refund_line_items as (

    select
        latest_versions.order_key,
        latest_versions.order_id,
        latest_versions.shop,
        {{ json_path_fields(json_array_element('refund'), {'id': 'refund_id', 'createdAt': 'refunded_at'}) }},
        {{ json_path_fields(json_array_element('refund_line_item'), {
            'lineItem.id': 'line_item_id',
            'quantity': 'quantity',
            'subtotalSet.shopMoney.amount': 'subtotal',
        }) }},
        latest_versions.extracted_at,
        latest_versions.dlt_load_id

    from latest_versions
    {{ unnest_json_array('latest_versions.record', 'refunds', 'refund') }}
    {{ unnest_json_array(json_path_value(json_array_element('refund'), 'refundLineItems'), 'nodes', 'refund_line_item') }}

),

final as (

    select
        shop || '|' || refund_id || '|' || line_item_id as refund_line_item_key,
        shop || '|' || refund_id as refund_key,
        refund_id,
        shop || '|' || line_item_id as line_item_key,
        line_item_id,
        order_key,
        order_id,
        shop,
        {{ safe_rfc3339_timestamp('refunded_at') }} as refunded_at,
        {{ safe_integer('quantity') }} as quantity,
        cast({{ safe_decimal('subtotal', 18, 2) }} as numeric(18, 2)) as subtotal,
        extracted_at,
        dlt_load_id

    from refund_line_items

)

select * from final
