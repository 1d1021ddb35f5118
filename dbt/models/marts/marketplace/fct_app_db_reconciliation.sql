-- The warehouse against the application database (doc block app_db_reconciliation_rule): one
-- row per database and table, from the newest load that counted it. The source's row count and
-- key set (read together, in one source transaction) are compared with the staged rows that are
-- not hard-deleted. is_exact_match is what the release gate requires of every row.

{%- set tables = {
    'users': 'user_id',
    'addresses': 'address_id',
    'vendors': 'vendor_id',
    'vendor_services': 'vendor_service_id',
    'vendor_prices': 'vendor_price_id',
    'promotions': 'promotion_id',
    'bookings': 'booking_id',
    'booking_items': 'booking_item_id',
    'payments': 'payment_id',
    'refunds': 'refund_id',
    'reviews': 'review_id',
    'messages': 'message_id',
} %}

with

latest_counts as (

    select * from {{ ref('stg_app_db__source_counts') }}
    where is_latest

),

source_keys as (

    select * from {{ ref('stg_app_db__table_keys') }}

),

staged_rows as (

    {%- for table, id_column in tables.items() %}
    select
        database_name,
        '{{ table }}' as table_name,
        {{ id_column }} as record_id,
        is_hard_deleted,
        dlt_load_id
    from {{ ref('stg_app_db__' ~ table) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

key_counts as (

    select
        database_name,
        table_name,
        count(*) as source_key_count

    from source_keys
    group by database_name, table_name

),

-- Every staged row that is not hard-deleted, and whether the source's key set lists it.
live_rows as (

    select
        staged_rows.database_name,
        staged_rows.table_name,
        staged_rows.record_id,
        staged_rows.dlt_load_id,
        source_keys.record_id is not null as is_in_key_set

    from staged_rows
    left join source_keys
        on
            staged_rows.database_name = source_keys.database_name
            and staged_rows.table_name = source_keys.table_name
            and staged_rows.record_id = source_keys.record_id
    where not staged_rows.is_hard_deleted

),

live_counts as (

    select
        live_rows.database_name,
        live_rows.table_name,
        count(*) as warehouse_row_count,
        -- Not in the key set, landed by the counting load or a later one: inserted at the source
        -- after the count (a load reads the keys, then the data).
        sum(
            case
                when not live_rows.is_in_key_set and live_rows.dlt_load_id >= latest_counts.dlt_load_id then 1
                else 0
            end
        ) as rows_added_after_count,
        -- Not in the key set although landed before the count: the source no longer has it, yet
        -- it is not flagged hard-deleted.
        sum(
            case
                when not live_rows.is_in_key_set and live_rows.dlt_load_id < latest_counts.dlt_load_id then 1
                else 0
            end
        ) as keys_extra_in_warehouse

    from live_rows
    inner join latest_counts
        on
            live_rows.database_name = latest_counts.database_name
            and live_rows.table_name = latest_counts.table_name
    group by live_rows.database_name, live_rows.table_name

),

-- Keys the source has that the warehouse has no live row for (never landed, or flagged deleted).
missing_keys as (

    select
        source_keys.database_name,
        source_keys.table_name,
        count(*) as keys_missing_in_warehouse

    from source_keys
    where not exists (
        select 1
        from live_rows
        where
            live_rows.database_name = source_keys.database_name
            and live_rows.table_name = source_keys.table_name
            and live_rows.record_id = source_keys.record_id
    )
    group by source_keys.database_name, source_keys.table_name

),

compared as (

    select
        latest_counts.database_name,
        latest_counts.table_name,
        latest_counts.counted_at,
        latest_counts.dlt_load_id,
        latest_counts.row_count as source_row_count,
        coalesce(key_counts.source_key_count, 0) as source_key_count,
        coalesce(live_counts.warehouse_row_count, 0) as warehouse_row_count,
        coalesce(live_counts.rows_added_after_count, 0) as rows_added_after_count,
        coalesce(missing_keys.keys_missing_in_warehouse, 0) as keys_missing_in_warehouse,
        coalesce(live_counts.keys_extra_in_warehouse, 0) as keys_extra_in_warehouse

    from latest_counts
    left join key_counts
        on
            latest_counts.database_name = key_counts.database_name
            and latest_counts.table_name = key_counts.table_name
    left join live_counts
        on
            latest_counts.database_name = live_counts.database_name
            and latest_counts.table_name = live_counts.table_name
    left join missing_keys
        on
            latest_counts.database_name = missing_keys.database_name
            and latest_counts.table_name = missing_keys.table_name

),

final as (

    select
        cast(database_name as varchar) as database_name,
        cast(table_name as varchar) as table_name,
        cast(counted_at as timestamp) as counted_at,
        cast(dlt_load_id as varchar) as dlt_load_id,
        cast(source_row_count as bigint) as source_row_count,
        cast(source_key_count as bigint) as source_key_count,
        cast(warehouse_row_count as bigint) as warehouse_row_count,
        cast(rows_added_after_count as bigint) as rows_added_after_count,
        cast(keys_missing_in_warehouse as bigint) as keys_missing_in_warehouse,
        cast(keys_extra_in_warehouse as bigint) as keys_extra_in_warehouse,
        cast(
            source_key_count = source_row_count
            and keys_missing_in_warehouse = 0
            and keys_extra_in_warehouse = 0
            and warehouse_row_count - rows_added_after_count = source_row_count
            as boolean
        ) as is_exact_match

    from compared

)

select * from final
