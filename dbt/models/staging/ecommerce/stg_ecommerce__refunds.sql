-- Shopify refunds: one row per refund of each order's latest version, flattened from
-- `record.refunds` (a list, not a paged connection). A refund's amount is everything it gave
-- back (`totalRefundedSet`: items, tax, shipping, or an amount without items); the refunded
-- items and their subtotals are in stg_ecommerce__refund_line_items. The latest version is
-- chosen with the same rule as stg_ecommerce__orders (latest_version_per_key).

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

refunds as (

    select
        latest_versions.order_key,
        latest_versions.order_id,
        latest_versions.shop,
        {{ json_path_fields(json_array_element('refund'), {
            'id': 'refund_id',
            'createdAt': 'refunded_at',
            'totalRefundedSet.shopMoney.amount': 'amount',
            'totalRefundedSet.shopMoney.currencyCode': 'currency',
        }) }},
        latest_versions.extracted_at,
        latest_versions.dlt_load_id

    from latest_versions
    {{ unnest_json_array('latest_versions.record', 'refunds', 'refund') }}

),

final as (

    select
        shop || '|' || refund_id as refund_key,
        refund_id,
        order_key,
        order_id,
        shop,
        {{ safe_rfc3339_timestamp('refunded_at') }} as refunded_at,
        cast({{ safe_decimal('amount', 18, 2) }} as numeric(18, 2)) as amount,
        upper(trim(currency)) as currency,
        extracted_at,
        dlt_load_id

    from refunds

)

select * from final
