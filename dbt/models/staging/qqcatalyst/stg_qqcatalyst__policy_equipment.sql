-- Equipment scheduled on commercial property and general liability policies: one row per entry of
-- `Equipment` in each policy's latest version (doc block qqcatalyst_dedup_rule). Its value is a
-- validated amount (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('policies', 'policy_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'policy_key', 'date_last_modified') }}

),

renamed as (

    select
        latest_versions.policy_key,
        latest_versions.agency,
        latest_versions.source_id,
        {{ qqcatalyst_array_index('equipment') }} as position,
        {{ json_path_fields(json_array_element('equipment'), {
            'EquipmentId': 'equipment_id',
            'Description': 'description',
            'SerialNumber': 'serial_number',
            'Value': 'value',
        }) }},
        latest_versions.date_last_modified,
        latest_versions.record_hash,
        latest_versions.batch_id,
        latest_versions.extracted_at,
        latest_versions.dlt_load_id

    from latest_versions
    {{ qqcatalyst_unnest_array('latest_versions.record', 'Equipment', 'equipment') }}

),

checked as (

    select
        renamed.*,
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('policy_equipment')) }} as failed_rules

    from renamed

),

typed as (

    select
        policy_key,
        {{ safe_integer('source_id') }} as policy_id,
        agency,
        position,
        {{ safe_integer('equipment_id') }} as equipment_id,
        {{ nullif_blank('description') }} as description,
        {{ nullif_blank('serial_number') }} as serial_number,
        {{ qqcatalyst_currency('value') }} as value,
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
        policy_key || '-' || cast(equipment_id as varchar) as equipment_key,
        policy_key,
        policy_id,
        agency,
        position,
        equipment_id,
        description,
        serial_number,
        value,
        date_last_modified,
        failed_rules,
        failed_rules = '' as is_valid,
        record_hash,
        batch_id,
        extracted_at,
        dlt_load_id

    from typed

)

select * from final
