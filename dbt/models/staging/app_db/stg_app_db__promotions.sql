-- Promotion codes: one row per (database, promotion), the latest version (doc block
-- app_db_dedup_rule). The table has no updated_at and its rows change (ends_on extended), so the
-- loader reads it whole at every load and the newest extraction wins: the cursor is created_at,
-- equal for every version of a row, which leaves extracted_at to decide.

with

source as (

    select * from {{ app_db_source('promotions') }}

),

keys as (

    select * from {{ app_db_source('keys_promotions') }}

),

key_sets as (

    {{ app_db_key_sets('promotions') }}

),

typed as (

    select
        _database as database_name,
        cast(id as bigint) as promotion_id,
        {{ nullif_blank('trim(code)') }} as promotion_code,
        cast(percent_off as integer) as percent_off,
        cast(starts_on as date) as starts_on,
        cast(ends_on as date) as ends_on,
        cast(max_redemptions as integer) as max_redemptions,
        {{ utc_timestamp('created_at') }} as created_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, promotion_id', 'created_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'promotion_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        promotion_id,
        promotion_code,
        percent_off,
        starts_on,
        ends_on,
        max_redemptions,
        created_at,
        -- No soft delete at the source.
        false as is_deleted,
        is_hard_deleted,
        case when is_hard_deleted then {{ utc_timestamp('keys_extracted_at') }} end as hard_deleted_detected_at,
        extracted_at,
        dlt_load_id

    from flagged

)

select * from final
