{{ config(tags=['raw_audit']) }}

-- Reconciliation of the incremental PestRoutes models with RAW: every (office, id) landed in
-- RAW has exactly its newest version in staging, whatever order the loads arrived in and however
-- many incremental runs merged them. Rows returned are records missing from staging or held at
-- an older version than RAW's newest.
-- Reads all of RAW, so it runs in the daily full build only: the 4-hourly builds exclude
-- tag:raw_audit (docs/cron.example) and cost what the change costs, not what RAW holds.

{%- set incremental_models = [
    ('customers', 'customer', 'date_updated'),
    ('appointments', 'appointment', 'date_updated'),
    ('subscriptions', 'subscription', 'date_updated'),
    ('tickets', 'ticket', 'date_updated'),
    ('payments', 'payment', 'date_updated'),
    ('employees', 'employee', 'date_updated'),
    ('notes', 'note', 'date_updated'),
    ('tasks', 'task', 'date_updated'),
    ('doors', 'door', 'time_created'),
    ('knocks', 'knock', 'date_updated'),
    ('disbursements', 'disbursement', 'date_updated'),
    ('applied_payments', 'applied_payment', 'date_updated'),
    ('ticket_items', 'ticket_item', 'date_updated'),
    ('payment_profiles', 'payment_profile', 'date_updated'),
    ('appointment_reminders', 'appointment_reminder', 'date_updated'),
    ('chargebacks', 'chargeback', 'date_updated'),
    ('generic_flag_assignments', 'generic_flag_assignment', 'date_updated'),
    ('generic_flags', 'generic_flag', 'date_updated'),
] %}

{%- for table, entity, cursor_column in incremental_models %}

{%- if not loop.first %}

union all
{% endif %}

select
    '{{ table }}' as table_name,
    raw_versions.office_name,
    raw_versions.record_id,
    raw_versions.newest_version,
    staged.{{ cursor_column }} as staged_version

from (
    select
        _office as office_name,
        _record_id as record_id,
        max(
            {{ local_to_utc(safe_timestamp('_record_updated_at'), pestroutes_office_timezone()) }}
        ) as newest_version
    from {{ source('pestroutes', table) }}
    group by _office, _record_id
) as raw_versions

left join {{ ref('stg_pestroutes__' ~ table) }} as staged
    on
        raw_versions.office_name = staged.office_name
        and raw_versions.record_id = cast(staged.{{ entity }}_id as varchar)

where
    staged.{{ entity }}_key is null
    or staged.{{ cursor_column }} < raw_versions.newest_version
    or (staged.{{ cursor_column }} is null and raw_versions.newest_version is not null)
{%- endfor %}
