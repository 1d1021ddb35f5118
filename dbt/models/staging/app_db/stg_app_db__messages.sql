-- Messages about bookings: one row per (database, message). Insert-only at the source (the
-- cursor is created_at), with rare HARD deletes (is_hard_deleted, doc block
-- app_db_hard_delete_rule). PII (doc block app_db_pii_rule): the body is free text that may
-- quote an email or a phone number, so it is dropped; its length is kept.

with

source as (

    select * from {{ app_db_source('messages') }}

),

keys as (

    select * from {{ app_db_source('keys_messages') }}

),

key_sets as (

    {{ app_db_key_sets('messages') }}

),

-- The body is measured here and goes no further.
typed as (

    select
        _database as database_name,
        cast(id as bigint) as message_id,
        cast(booking_id as bigint) as booking_id,
        lower(trim(sender_role)) as sender_role,
        cast({{ dbt.length('body') }} as integer) as body_length,
        {{ utc_timestamp('created_at') }} as created_at,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

latest_versions as (

    {{ latest_version_per_key('typed', 'database_name, message_id', 'created_at') }}

),

flagged as (

    select
        latest_versions.*,
        {{ app_db_is_hard_deleted('latest_versions', 'message_id') }} as is_hard_deleted,
        key_sets.keys_extracted_at

    from latest_versions
    left join key_sets
        on latest_versions.database_name = key_sets.database_name

),

final as (

    select
        database_name,
        message_id,
        booking_id,
        sender_role,
        body_length,
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
