-- Documents attached to contacts, policies and claims: one row per (agency, DocumentId), the latest
-- version (doc block qqcatalyst_dedup_rule). `entity_key` is the key of the contact, policy or
-- claim `entity_type` names. The document's GUID is validated (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('documents', 'document_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'document_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('documents') }}

),

renamed as (

    select
        document_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'DocumentId': 'document_id',
            'EntityType': 'entity_type',
            'EntityId': 'entity_id',
            'FileName': 'file_name',
            'DocumentType': 'document_type',
            'DocumentGuid': 'document_guid',
            'UploadedBy': 'uploaded_by',
            'UploadedOn': 'uploaded_on',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('documents')) }} as failed_rules

    from renamed

),

typed as (

    select
        document_key,
        agency,
        source_id,
        {{ safe_integer('document_id') }} as document_id,
        {{ nullif_blank('entity_type') }} as entity_type,
        {{ safe_integer('entity_id') }} as entity_id,
        {{ nullif_blank('file_name') }} as file_name,
        {{ nullif_blank('document_type') }} as document_type,
        {{ qqcatalyst_uuid('document_guid') }} as document_guid,
        {{ nullif_blank('uploaded_by') }} as uploaded_by,
        {{ safe_timestamp('uploaded_on') }} as uploaded_on,
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
        typed.document_key,
        typed.document_id,
        typed.agency,
        typed.entity_type,
        {{ qqcatalyst_key('typed.entity_id', 'typed.agency') }} as entity_key,
        typed.entity_id,
        typed.file_name,
        typed.document_type,
        typed.document_guid,
        typed.uploaded_by,
        typed.uploaded_on,
        typed.created_on,
        typed.date_last_modified,
        typed.is_deleted,
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
