-- The agency itself (QQCatalyst's `Agency`, one record per configured agency): one row per
-- (agency, AgencyId), the latest version (doc block qqcatalyst_dedup_rule). Reference data, read
-- whole every run and never swept, so never hard-deleted; it has no soft delete either.

with

versions as (

    {{ qqcatalyst_versions('agencies', 'agency_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'agency_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('agencies') }}

),

renamed as (

    select
        agency_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'AgencyId': 'agency_id',
            'AgencyName': 'agency_name',
            'AgencyGuid': 'agency_guid',
            'Phone': 'phone',
            'Email': 'email',
            'Address.Line1': 'address_line1',
            'Address.Line2': 'address_line2',
            'Address.City': 'address_city',
            'Address.State': 'address_state',
            'Address.Zip': 'address_zip',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('agencies')) }} as failed_rules

    from renamed

),

typed as (

    select
        agency_key,
        agency,
        source_id,
        {{ safe_integer('agency_id') }} as agency_id,
        {{ nullif_blank('agency_name') }} as agency_name,
        {{ qqcatalyst_uuid('agency_guid') }} as agency_guid,
        {{ qqcatalyst_phone('phone') }} as phone,
        {{ qqcatalyst_email('email') }} as email,
        {{ nullif_blank('address_line1') }} as address_line1,
        {{ nullif_blank('address_line2') }} as address_line2,
        {{ nullif_blank('address_city') }} as address_city,
        {{ qqcatalyst_state('address_state') }} as address_state,
        {{ qqcatalyst_zip('address_zip') }} as address_zip,
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
        typed.agency_key,
        typed.agency_id,
        typed.agency,
        typed.agency_name,
        typed.agency_guid,
        typed.phone,
        typed.email,
        typed.address_line1,
        typed.address_line2,
        typed.address_city,
        typed.address_state,
        typed.address_zip,
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
