-- The price rows still at the source (not hard-deleted), as app_db_vendor_prices_snapshot
-- records them (each service's price over time: a change UPDATEs the row at the source): a YAML
-- snapshot reads a whole relation, so its filter lives here. A row missing from a later build
-- is recorded as deleted (dbt_is_deleted).

select
    database_name,
    vendor_price_id,
    vendor_service_id,
    price_cents,
    currency,
    effective_from,
    created_at,
    updated_at

from {{ ref('stg_app_db__vendor_prices') }}
where not is_hard_deleted
