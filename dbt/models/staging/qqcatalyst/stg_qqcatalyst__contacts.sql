-- Contacts (customers, prospects, vendors; people or companies): one row per (agency, EntityID),
-- the latest version (doc block qqcatalyst_dedup_rule), with its validated fields standardised
-- and the rules they failed (qqcatalyst_validation_rules). Emails, phones and addresses are in
-- stg_qqcatalyst__contact_emails, __contact_phones and __contact_addresses. A contact deleted in
-- QQCatalyst keeps its row: Status D / IsDeleted (is_deleted), or gone from the API
-- (is_hard_deleted, qqcatalyst_hard_delete_rule).

with

versions as (

    {{ qqcatalyst_versions('contacts', 'contact_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'contact_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('contacts') }}

),

renamed as (

    select
        contact_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'EntityID': 'contact_id',
            'DisplayName': 'display_name',
            'FirstName': 'first_name',
            'LastName': 'last_name',
            'CompanyName': 'company_name',
            'ContactSubType': 'contact_sub_type',
            'ContactType': 'contact_type',
            'Status': 'status',
            'LocationID': 'location_id',
            'AgentId': 'agent_id',
            'AgentName': 'agent_name',
            'DateOfBirth': 'date_of_birth',
            'ContactGuid': 'contact_guid',
            'CreatedOn': 'created_on',
            'IsDeleted': 'is_deleted',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('contacts')) }} as failed_rules

    from renamed

),

typed as (

    select
        contact_key,
        agency,
        source_id,
        {{ safe_integer('contact_id') }} as contact_id,
        {{ nullif_blank('display_name') }} as display_name,
        {{ nullif_blank('first_name') }} as first_name,
        {{ nullif_blank('last_name') }} as last_name,
        {{ nullif_blank('company_name') }} as company_name,
        nullif(upper(trim(contact_sub_type)), '') as contact_sub_type,
        {{ nullif_blank('contact_type') }} as contact_type,
        {{ qqcatalyst_status('status', 'contacts', 'Status') }} as status,
        {{ safe_integer('location_id') }} as location_id,
        {{ safe_integer('agent_id') }} as agent_id,
        {{ nullif_blank('agent_name') }} as agent_name,
        {{ qqcatalyst_date('date_of_birth') }} as date_of_birth,
        {{ qqcatalyst_uuid('contact_guid') }} as contact_guid,
        {{ safe_timestamp('created_on') }} as created_on,
        coalesce({{ safe_boolean('is_deleted') }}, false) as is_deleted,
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
        typed.contact_key,
        typed.contact_id,
        typed.agency,
        typed.display_name,
        typed.first_name,
        typed.last_name,
        typed.company_name,
        typed.contact_sub_type,
        typed.contact_type,
        typed.status,
        {{ qqcatalyst_key('typed.location_id', 'typed.agency') }} as location_key,
        typed.location_id,
        {{ qqcatalyst_key('typed.agent_id', 'typed.agency') }} as agent_key,
        typed.agent_id,
        typed.agent_name,
        typed.date_of_birth,
        typed.contact_guid,
        typed.created_on,
        typed.date_last_modified,
        -- Deleted in QQCatalyst: IsDeleted, or a contact's Status D.
        coalesce(typed.is_deleted or typed.status = 'D', false) as is_deleted,
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
