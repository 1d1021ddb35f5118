-- Vehicles insured by auto policies: one row per entry of `Vehicles` in each policy's latest
-- version (doc block qqcatalyst_dedup_rule). No field of a vehicle is validated, so failed_rules
-- is always ''.

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
        {{ qqcatalyst_array_index('vehicles') }} as position,
        {{ json_path_fields(json_array_element('vehicles'), {
            'VehicleId': 'vehicle_id',
            'VIN': 'vin',
            'Year': 'year',
            'Make': 'make',
            'Model': 'model',
        }) }},
        latest_versions.date_last_modified,
        latest_versions.record_hash,
        latest_versions.batch_id,
        latest_versions.extracted_at,
        latest_versions.dlt_load_id

    from latest_versions
    {{ qqcatalyst_unnest_array('latest_versions.record', 'Vehicles', 'vehicles') }}

),

checked as (

    select
        renamed.*,
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('policy_vehicles')) }} as failed_rules

    from renamed

),

typed as (

    select
        policy_key,
        {{ safe_integer('source_id') }} as policy_id,
        agency,
        position,
        {{ safe_integer('vehicle_id') }} as vehicle_id,
        nullif(upper(trim(vin)), '') as vin,
        {{ safe_integer('year') }} as year,
        {{ nullif_blank('make') }} as make,
        {{ nullif_blank('model') }} as model,
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
        policy_key || '-' || cast(vehicle_id as varchar) as vehicle_key,
        policy_key,
        policy_id,
        agency,
        position,
        vehicle_id,
        vin,
        year,
        make,
        model,
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
