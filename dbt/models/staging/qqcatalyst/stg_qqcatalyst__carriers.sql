-- Carriers the agency is appointed with: one row per (agency, CarrierId), the latest version
-- (doc block qqcatalyst_dedup_rule). Reference data, read whole every run; `is_active` is the
-- agency's own switch (no soft delete), and reference lists are never swept.

with

versions as (

    {{ qqcatalyst_versions('carriers', 'carrier_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'carrier_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('carriers') }}

),

renamed as (

    select
        carrier_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'CarrierId': 'carrier_id',
            'CarrierName': 'carrier_name',
            'NAICCode': 'naic_code',
            'State': 'state',
            'Phone': 'phone',
            'Email': 'email',
            'IsActive': 'is_active',
            'CreatedOn': 'created_on',
        }) }},
        date_last_modified,
        record_hash,
        batch_id,
        extracted_at,
        dlt_load_id

    from latest_versions

),

checked as (

    select
        renamed.*,
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('carriers')) }} as failed_rules

    from renamed

),

typed as (

    select
        carrier_key,
        agency,
        source_id,
        {{ safe_integer('carrier_id') }} as carrier_id,
        {{ nullif_blank('carrier_name') }} as carrier_name,
        {{ nullif_blank('naic_code') }} as naic_code,
        {{ qqcatalyst_state('state') }} as state,
        {{ qqcatalyst_phone('phone') }} as phone,
        {{ qqcatalyst_email('email') }} as email,
        {{ safe_boolean('is_active') }} as is_active,
        {{ safe_timestamp('created_on') }} as created_on,
        failed_rules,
        date_last_modified,
        record_hash,
        batch_id,
        extracted_at,
        dlt_load_id

    from checked

),

final as (

    select
        typed.carrier_key,
        typed.carrier_id,
        typed.agency,
        typed.carrier_name,
        typed.naic_code,
        typed.state,
        typed.phone,
        typed.email,
        typed.is_active,
        typed.created_on,
        typed.date_last_modified,
        -- Reference data has no soft delete.
        false as is_deleted,
        hard_deleted.source_id is not null as is_hard_deleted,
        typed.failed_rules,
        typed.failed_rules = '' as is_valid,
        typed.record_hash,
        typed.batch_id,
        typed.extracted_at,
        typed.dlt_load_id

    from typed
    left join hard_deleted
        on
            typed.agency = hard_deleted.agency
            and typed.source_id = hard_deleted.source_id

)

select * from final
