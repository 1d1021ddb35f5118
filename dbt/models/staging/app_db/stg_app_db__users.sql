-- Application users: one row per (database, user), the latest version (doc block
-- app_db_dedup_rule), flagged when soft- or hard-deleted (app_db_hard_delete_rule). PII (doc
-- block app_db_pii_rule): the email is kept only as its salted hash and its domain, the phone
-- as the hash of its digits; names are dropped.
-- A table, not a view: pii_hash calls a Python UDF on DuckDB (elt_pii_hash, registered by the
-- dbt-duckdb plugin elt/dbt_duckdb_pii.py) that exists only in dbt's own connection, so a view
-- calling it could not be read by analysts, GX or any other client. The hashes are computed
-- once, at build time, and stored.
{{ config(materialized='table') }}

with

source as (

    select * from {{ app_db_source('users') }}

),

keys as (

    select * from {{ app_db_source('keys_users') }}

),

key_sets as (

    {{ app_db_key_sets('users') }}

),

-- The raw email and phone stay inside this query: only their hashes and the domain leave it.
typed as (

    select
        _database as database_name,
        cast(id as bigint) as user_id,
        email,
        phone,
        cast(marketing_opt_in as boolean) as marketing_opt_in,
        lower(trim(signup_channel)) as signup_channel,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        {{ utc_timestamp('deleted_at') }} as deleted_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, user_id', 'updated_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'user_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        user_id,
        {{ pii_hash('email', 'email') }} as email_hash,
        nullif(lower(trim({{ dbt.split_part('email', "'@'", 2) }})), '') as email_domain,
        {{ pii_hash('phone', 'phone') }} as phone_hash,
        marketing_opt_in,
        signup_channel,
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
