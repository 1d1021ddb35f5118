-- Coverages of each policy: one row per entry of `Coverages` in each policy's latest version (doc
-- block qqcatalyst_dedup_rule). Limit, deductible and premium are validated amounts
-- (qqcatalyst_validation_rules); `Limit` is `coverage_limit` (LIMIT is an SQL keyword).

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
        {{ qqcatalyst_array_index('coverages') }} as position,
        {{ json_path_fields(json_array_element('coverages'), {
            'CoverageId': 'coverage_id',
            'CoverageCode': 'coverage_code',
            'Description': 'description',
            'Limit': 'coverage_limit',
            'Deductible': 'deductible',
            'Premium': 'premium',
        }) }},
        latest_versions.date_last_modified,
        latest_versions.record_hash,
        latest_versions.batch_id,
        latest_versions.extracted_at,
        latest_versions.dlt_load_id

    from latest_versions
    {{ qqcatalyst_unnest_array('latest_versions.record', 'Coverages', 'coverages') }}

),

checked as (

    select
        renamed.*,
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('policy_coverages')) }} as failed_rules

    from renamed

),

typed as (

    select
        policy_key,
        {{ safe_integer('source_id') }} as policy_id,
        agency,
        position,
        {{ safe_integer('coverage_id') }} as coverage_id,
        {{ nullif_blank('coverage_code') }} as coverage_code,
        {{ nullif_blank('description') }} as description,
        {{ qqcatalyst_currency('coverage_limit') }} as coverage_limit,
        {{ qqcatalyst_currency('deductible') }} as deductible,
        {{ qqcatalyst_currency('premium') }} as premium,
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
        policy_key || '-' || cast(coverage_id as varchar) as coverage_key,
        policy_key,
        policy_id,
        agency,
        position,
        coverage_id,
        coverage_code,
        description,
        coverage_limit,
        deductible,
        premium,
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
