-- Drivers listed on auto policies: one row per entry of `Drivers` in each policy's latest version
-- (doc block qqcatalyst_dedup_rule). Date of birth and licence state are validated
-- (qqcatalyst_validation_rules).

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
        {{ qqcatalyst_array_index('drivers') }} as position,
        {{ json_path_fields(json_array_element('drivers'), {
            'DriverId': 'driver_id',
            'FirstName': 'first_name',
            'LastName': 'last_name',
            'DateOfBirth': 'date_of_birth',
            'LicenseNumber': 'license_number',
            'LicenseState': 'license_state',
        }) }},
        latest_versions.date_last_modified,
        latest_versions.record_hash,
        latest_versions.batch_id,
        latest_versions.extracted_at,
        latest_versions.dlt_load_id

    from latest_versions
    {{ qqcatalyst_unnest_array('latest_versions.record', 'Drivers', 'drivers') }}

),

checked as (

    select
        renamed.*,
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('policy_drivers')) }} as failed_rules

    from renamed

),

typed as (

    select
        policy_key,
        {{ safe_integer('source_id') }} as policy_id,
        agency,
        position,
        {{ safe_integer('driver_id') }} as driver_id,
        {{ nullif_blank('first_name') }} as first_name,
        {{ nullif_blank('last_name') }} as last_name,
        {{ qqcatalyst_date('date_of_birth') }} as date_of_birth,
        {{ nullif_blank('license_number') }} as license_number,
        {{ qqcatalyst_state('license_state') }} as license_state,
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
        policy_key || '-' || cast(driver_id as varchar) as driver_key,
        policy_key,
        policy_id,
        agency,
        position,
        driver_id,
        first_name,
        last_name,
        date_of_birth,
        license_number,
        license_state,
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
