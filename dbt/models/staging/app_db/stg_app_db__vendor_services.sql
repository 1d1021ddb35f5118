-- Vendors' services: one row per (database, service), the latest version (doc block
-- app_db_dedup_rule), with what it is, what a price is per and whether it can be booked.

with

source as (

    select * from {{ app_db_source('vendor_services') }}

),

keys as (

    select * from {{ app_db_source('keys_vendor_services') }}

),

key_sets as (

    {{ app_db_key_sets('vendor_services') }}

),

typed as (

    select
        _database as database_name,
        cast(id as bigint) as vendor_service_id,
        cast(vendor_id as bigint) as vendor_id,
        lower(trim(service_type)) as service_type,
        {{ nullif_blank('trim(name)') }} as service_name,
        lower(trim(unit)) as price_unit,
        cast(is_active as boolean) as is_active,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, vendor_service_id', 'updated_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'vendor_service_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        vendor_service_id,
        vendor_id,
        service_type,
        service_name,
        price_unit,
        is_active,
        created_at,
        updated_at,
        -- No soft delete at the source: a service is deactivated (is_active), never deleted.
        false as is_deleted,
        is_hard_deleted,
        case when is_hard_deleted then {{ utc_timestamp('keys_extracted_at') }} end as hard_deleted_detected_at,
        extracted_at,
        dlt_load_id

    from flagged

)

select * from final
