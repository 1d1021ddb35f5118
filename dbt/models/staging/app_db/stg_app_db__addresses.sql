-- Customers' service addresses: one row per (database, address), the latest version (doc block
-- app_db_dedup_rule). Addresses are HARD deleted at the source (only those no booking
-- references): such a row stays here with is_hard_deleted (app_db_hard_delete_rule). PII (doc
-- block app_db_pii_rule): the street lines are dropped; city, state and ZIP code are kept.

with

source as (

    select * from {{ app_db_source('addresses') }}

),

keys as (

    select * from {{ app_db_source('keys_addresses') }}

),

key_sets as (

    {{ app_db_key_sets('addresses') }}

),

typed as (

    select
        _database as database_name,
        cast(id as bigint) as address_id,
        cast(user_id as bigint) as user_id,
        lower(trim(label)) as address_label,
        {{ nullif_blank('trim(city)') }} as city,
        upper(trim(state)) as state,
        {{ nullif_blank('trim(postal_code)') }} as postal_code,
        upper(trim(country)) as country,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, address_id', 'updated_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'address_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        address_id,
        user_id,
        address_label,
        city,
        state,
        postal_code,
        country,
        created_at,
        updated_at,
        -- Addresses have no soft delete at the source: a removed address is gone (hard).
        false as is_deleted,
        is_hard_deleted,
        case when is_hard_deleted then {{ utc_timestamp('keys_extracted_at') }} end as hard_deleted_detected_at,
        extracted_at,
        dlt_load_id

    from flagged

)

select * from final
