-- Reviews: one row per (database, review), the latest version (doc block app_db_dedup_rule):
-- the booking, customer and vendor, the rating and comment. Reviews are soft-deleted by their
-- author (deleted_at, is_deleted) and a few are HARD deleted by moderation (is_hard_deleted,
-- doc block app_db_hard_delete_rule); both stay here, flagged. The comment never holds PII
-- (the application keeps contact details out of it).

with

source as (

    select * from {{ app_db_source('reviews') }}

),

keys as (

    select * from {{ app_db_source('keys_reviews') }}

),

key_sets as (

    {{ app_db_key_sets('reviews') }}

),

typed as (

    select
        _database as database_name,
        cast(id as bigint) as review_id,
        cast(booking_id as bigint) as booking_id,
        cast(user_id as bigint) as user_id,
        cast(vendor_id as bigint) as vendor_id,
        cast(rating as integer) as rating,
        {{ nullif_blank('trim(comment)') }} as review_comment,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        {{ utc_timestamp('deleted_at') }} as deleted_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, review_id', 'updated_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'review_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        review_id,
        booking_id,
        user_id,
        vendor_id,
        rating,
        review_comment,
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
