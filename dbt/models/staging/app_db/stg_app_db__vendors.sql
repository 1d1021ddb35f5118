-- Vendors: one row per (database, vendor), the latest version (doc block app_db_dedup_rule), with
-- the current status and commission rate; their history is the app_db_vendors_snapshot. PII
-- (doc block app_db_pii_rule): the contact's email and phone are kept only as salted hashes, the
-- contact's name is dropped; the business name is the vendor's, not a person's.
-- A table, not a view: pii_hash calls a Python UDF on DuckDB (elt_pii_hash, registered by the
-- dbt-duckdb plugin elt/dbt_duckdb_pii.py) that exists only in dbt's own connection, so a view
-- calling it could not be read by analysts, GX or any other client.
{{ config(materialized='table') }}

with

source as (

    select * from {{ app_db_source('vendors') }}

),

keys as (

    select * from {{ app_db_source('keys_vendors') }}

),

key_sets as (

    {{ app_db_key_sets('vendors') }}

),

-- The raw contact email and phone stay inside this query: only their hashes leave it.
typed as (

    select
        _database as database_name,
        cast(id as bigint) as vendor_id,
        {{ nullif_blank('trim(business_name)') }} as business_name,
        contact_email,
        contact_phone,
        lower(trim(category)) as vendor_category,
        {{ nullif_blank('trim(city)') }} as city,
        upper(trim(state)) as state,
        lower(trim(status)) as vendor_status,
        cast(commission_rate as numeric(5, 4)) as commission_rate,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        {{ utc_timestamp('deleted_at') }} as deleted_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, vendor_id', 'updated_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'vendor_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        vendor_id,
        business_name,
        {{ pii_hash('contact_email', 'email') }} as contact_email_hash,
        {{ pii_hash('contact_phone', 'phone') }} as contact_phone_hash,
        vendor_category,
        city,
        state,
        vendor_status,
        commission_rate,
        created_at,
        updated_at,
        deleted_at,
        deleted_at is not null as is_deleted,
        is_hard_deleted,
        case when is_hard_deleted then {{ utc_timestamp('keys_extracted_at') }} end as hard_deleted_detected_at,
        extracted_at,
        dlt_load_id

    from flagged

)

select * from final
