-- Contact emails: one row per entry of `Emails` in each contact's latest version (doc block
-- qqcatalyst_dedup_rule), keyed by the contact and the entry's position in the list (the API gives
-- emails no id). The address is validated by the email rule (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('contacts', 'contact_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'contact_key', 'date_last_modified') }}

),

renamed as (

    select
        latest_versions.contact_key,
        latest_versions.agency,
        latest_versions.source_id,
        {{ qqcatalyst_array_index('emails') }} as position,
        {{ json_path_fields(json_array_element('emails'), {
            'EmailAddress': 'email_address',
            'EmailType': 'email_type',
            'IsPrimary': 'is_primary',
        }) }},
        latest_versions.date_last_modified,
        latest_versions.record_hash,
        latest_versions.batch_id,
        latest_versions.extracted_at,
        latest_versions.dlt_load_id

    from latest_versions
    {{ qqcatalyst_unnest_array('latest_versions.record', 'Emails', 'emails') }}

),

checked as (

    select
        renamed.*,
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('contact_emails')) }} as failed_rules

    from renamed

),

typed as (

    select
        contact_key,
        {{ safe_integer('source_id') }} as contact_id,
        agency,
        position,
        {{ qqcatalyst_email('email_address') }} as email_address,
        {{ nullif_blank('email_type') }} as email_type,
        {{ safe_boolean('is_primary') }} as is_primary,
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
        contact_key || '-' || cast(position as varchar) as contact_email_key,
        contact_key,
        contact_id,
        agency,
        position,
        email_address,
        email_type,
        is_primary,
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
