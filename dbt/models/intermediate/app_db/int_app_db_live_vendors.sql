-- The vendors still at the source (not hard-deleted), as app_db_vendors_snapshot records them
-- (status and commission rate over time): a YAML snapshot reads a whole relation, so its filter
-- lives here. A vendor missing from a later build is recorded as deleted (dbt_is_deleted).

select
    database_name,
    vendor_id,
    business_name,
    contact_email_hash,
    contact_phone_hash,
    vendor_category,
    city,
    state,
    vendor_status,
    commission_rate,
    created_at,
    updated_at,
    deleted_at,
    is_deleted

from {{ ref('stg_app_db__vendors') }}
where not is_hard_deleted
