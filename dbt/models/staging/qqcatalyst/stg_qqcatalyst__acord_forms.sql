-- ACORD forms filled for policies: one row per (agency, AcordFormId), the latest version (doc block
-- qqcatalyst_dedup_rule). `form_id` is the API's own form id (`ACORD-25-2016-03`), `form_number`
-- the ACORD number (`25`). Validated fields standardised with the rules they failed
-- (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('acord_forms', 'acord_form_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'acord_form_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('acord_forms') }}

),

renamed as (

    select
        acord_form_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'AcordFormId': 'acord_form_id',
            'FormId': 'form_id',
            'FormNumber': 'form_number',
            'FormName': 'form_name',
            'PolicyId': 'policy_id',
            'FormDate': 'form_date',
            'Status': 'status',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('acord_forms')) }} as failed_rules

    from renamed

),

typed as (

    select
        acord_form_key,
        agency,
        source_id,
        {{ safe_integer('acord_form_id') }} as acord_form_id,
        {{ nullif_blank('form_id') }} as form_id,
        {{ nullif_blank('form_number') }} as form_number,
        {{ nullif_blank('form_name') }} as form_name,
        {{ safe_integer('policy_id') }} as policy_id,
        {{ qqcatalyst_date('form_date') }} as form_date,
        {{ qqcatalyst_status('status', 'acord_forms', 'Status') }} as status,
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
        typed.acord_form_key,
        typed.acord_form_id,
        typed.agency,
        typed.form_id,
        typed.form_number,
        typed.form_name,
        {{ qqcatalyst_key('typed.policy_id', 'typed.agency') }} as policy_key,
        typed.policy_id,
        typed.form_date,
        typed.status,
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
