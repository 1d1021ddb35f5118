-- The users still at the source (not hard-deleted), as app_db_users_snapshot records them: a
-- YAML snapshot reads a whole relation, so its filter lives here. A user missing from a later
-- build of this relation is recorded by the snapshot as deleted (dbt_is_deleted). Soft-deleted
-- users stay: their deletion is a change of the row (deleted_at), versioned like any other.

select
    database_name,
    user_id,
    email_hash,
    email_domain,
    phone_hash,
    marketing_opt_in,
    signup_channel,
    created_at,
    updated_at,
    deleted_at,
    is_deleted

from {{ ref('stg_app_db__users') }}
where not is_hard_deleted
