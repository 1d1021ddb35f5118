-- Service prices: one row per (database, price row), the latest version (doc block
-- app_db_dedup_rule): each service's current price. A price change UPDATEs the row at the source;
-- the price history is the app_db_vendor_prices_snapshot (and every version landed, in RAW).

with

source as (

    select * from {{ app_db_source('vendor_prices') }}

),

keys as (

    select * from {{ app_db_source('keys_vendor_prices') }}

),

key_sets as (

    {{ app_db_key_sets('vendor_prices') }}

),

typed as (

    select
        _database as database_name,
        cast(id as bigint) as vendor_price_id,
        cast(vendor_service_id as bigint) as vendor_service_id,
        cast(price_cents as bigint) as price_cents,
        upper(trim(currency)) as currency,
        cast(effective_from as date) as effective_from,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, vendor_price_id', 'updated_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'vendor_price_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        vendor_price_id,
        vendor_service_id,
        price_cents,
        currency,
        effective_from,
        created_at,
        updated_at,
        -- No soft delete at the source: a price is replaced (updated), never deleted.
        false as is_deleted,
        is_hard_deleted,
        case when is_hard_deleted then {{ utc_timestamp('keys_extracted_at') }} end as hard_deleted_detected_at,
        extracted_at,
        dlt_load_id

    from flagged

)

select * from final
