-- Shopify orders: one row per (shop, order), the latest version. RAW keeps every version of each
-- order (one row per distinct record); the dedup is the shared latest_version_per_key (newest
-- updatedAt, then the latest extraction, then the latest load). Money is the shop-currency
-- amount of each MoneyBag (`shopMoney.amount`, a decimal string) as numeric(18,2).
-- is_deleted reads the order ID sweeps (the API has no deletion feed for orders): doc block
-- ecommerce_deleted_rule. Line items and refunds of the same versions are staged in
-- stg_ecommerce__order_line_items, stg_ecommerce__refunds and stg_ecommerce__refund_line_items.

with

source as (

    select * from {{ source_or_empty('ecommerce', 'orders') }}

),

sweeps as (

    select * from {{ source_or_empty('ecommerce', 'order_id_sweeps') }}

),

renamed as (

    select
        {{ json_path_fields('record', {
            'id': 'order_id',
            'legacyResourceId': 'legacy_order_id',
            'name': 'order_name',
            'createdAt': 'created_at',
            'updatedAt': 'updated_at',
            'processedAt': 'processed_at',
            'cancelledAt': 'cancelled_at',
            'cancelReason': 'cancel_reason',
            'closedAt': 'closed_at',
            'displayFinancialStatus': 'financial_status',
            'displayFulfillmentStatus': 'fulfillment_status',
            'currencyCode': 'currency',
            'test': 'is_test',
            'email': 'email',
            'customer.id': 'customer_id',
            'subtotalPriceSet.shopMoney.amount': 'subtotal_amount',
            'totalDiscountsSet.shopMoney.amount': 'total_discounts_amount',
            'totalTaxSet.shopMoney.amount': 'tax_amount',
            'totalPriceSet.shopMoney.amount': 'total_amount',
            'currentTotalPriceSet.shopMoney.amount': 'current_total_amount',
            'totalRefundedSet.shopMoney.amount': 'total_refunded_amount',
        }) }},
        _shop as shop,
        _line_items_read as line_items_read,
        _line_items_complete as line_items_complete,
        _record_hash as record_hash,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        shop || '|' || order_id as order_key,
        order_id,
        shop,
        {{ safe_integer('legacy_order_id') }} as legacy_order_id,
        {{ nullif_blank('order_name') }} as order_name,
        {{ safe_rfc3339_timestamp('created_at') }} as created_at,
        {{ safe_rfc3339_timestamp('updated_at') }} as updated_at,
        {{ safe_rfc3339_timestamp('processed_at') }} as processed_at,
        {{ safe_rfc3339_timestamp('cancelled_at') }} as cancelled_at,
        {{ safe_rfc3339_timestamp('closed_at') }} as closed_at,
        lower(trim(cancel_reason)) as cancel_reason,
        lower(trim(financial_status)) as financial_status,
        lower(trim(fulfillment_status)) as fulfillment_status,
        upper(trim(currency)) as currency,
        coalesce({{ safe_boolean('is_test') }}, false) as is_test,
        {{ nullif_blank('email') }} as email,
        {{ nullif_blank('customer_id') }} as customer_id,
        -- Cast again: PostgreSQL drops the numeric(18,2) of safe_decimal's CASE in a view.
        cast({{ safe_decimal('subtotal_amount', 18, 2) }} as numeric(18, 2)) as subtotal_amount,
        cast({{ safe_decimal('total_discounts_amount', 18, 2) }} as numeric(18, 2)) as total_discounts_amount,
        cast({{ safe_decimal('tax_amount', 18, 2) }} as numeric(18, 2)) as tax_amount,
        cast({{ safe_decimal('total_amount', 18, 2) }} as numeric(18, 2)) as total_amount,
        cast({{ safe_decimal('current_total_amount', 18, 2) }} as numeric(18, 2)) as current_total_amount,
        cast({{ safe_decimal('total_refunded_amount', 18, 2) }} as numeric(18, 2)) as total_refunded_amount,
        line_items_read,
        line_items_complete,
        record_hash,
        extracted_at,
        dlt_load_id

    from renamed

),

latest_versions as (

    {{ latest_version_per_key('typed', 'order_key', 'updated_at') }}

),

-- The newest sweep of each shop: the table holds one sweep per shop (each replaces its shop's
-- rows); taking the newest start keeps the rule right should two ever be there.
latest_sweeps as (

    select
        _shop as shop,
        max(_swept_at) as swept_at

    from sweeps
    group by _shop

),

swept_orders as (

    select distinct
        sweeps._shop as shop,
        sweeps.order_id

    from sweeps
    inner join latest_sweeps
        on
            sweeps._shop = latest_sweeps.shop
            and sweeps._swept_at = latest_sweeps.swept_at

),

final as (

    select
        latest_versions.order_key,
        latest_versions.order_id,
        latest_versions.shop,
        latest_versions.legacy_order_id,
        latest_versions.order_name,
        latest_versions.created_at,
        latest_versions.updated_at,
        latest_versions.processed_at,
        latest_versions.cancelled_at,
        latest_versions.closed_at,
        latest_versions.cancel_reason,
        latest_versions.financial_status,
        latest_versions.fulfillment_status,
        latest_versions.currency,
        latest_versions.is_test,
        latest_versions.email,
        latest_versions.customer_id,
        latest_versions.subtotal_amount,
        latest_versions.total_discounts_amount,
        latest_versions.tax_amount,
        latest_versions.total_amount,
        latest_versions.current_total_amount,
        latest_versions.total_refunded_amount,
        latest_versions.line_items_read,
        latest_versions.line_items_complete,
        -- Deleted: missing from the shop's latest sweep, which started after this version was
        -- extracted (an order created after the sweep started is not in it, and is not deleted).
        case
            when
                latest_sweeps.swept_at > latest_versions.extracted_at
                and swept_orders.order_id is null
                then true
            else false
        end as is_deleted,
        latest_sweeps.swept_at as last_swept_at,
        latest_versions.record_hash,
        latest_versions.extracted_at,
        latest_versions.dlt_load_id

    from latest_versions
    left join latest_sweeps
        on latest_versions.shop = latest_sweeps.shop
    left join swept_orders
        on
            latest_versions.shop = swept_orders.shop
            and latest_versions.order_id = swept_orders.order_id

)

select * from final
