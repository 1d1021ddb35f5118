-- One row per current document (`document_key` = `<agency>-<DocumentId>`): a file attached to a
-- contact, policy or claim (EntityType and EntityId; `entity_key` joins the contact, policy or
-- claim), its type, GUID, who uploaded it and when. Current rows only (doc block
-- insurance_current_rows_rule); invalid values carried standardised with their failed_rules (doc
-- block insurance_validation_rule).

with

documents as (

    select * from {{ ref('stg_qqcatalyst__documents') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(document_key as varchar) as document_key,
        cast(agency as varchar) as agency,
        cast(document_id as bigint) as document_id,
        cast(entity_type as varchar) as entity_type,
        cast(entity_id as bigint) as entity_id,
        cast(entity_key as varchar) as entity_key,
        cast(file_name as varchar) as file_name,
        cast(document_type as varchar) as document_type,
        cast(document_guid as varchar) as document_guid,
        cast(uploaded_by as varchar) as uploaded_by,
        cast(uploaded_on as timestamp) as uploaded_on,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from documents

)

select * from final
