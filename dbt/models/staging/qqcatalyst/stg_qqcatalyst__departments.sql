-- The agency's departments (each at a location): one row per (agency, DepartmentId), the latest
-- version (doc block qqcatalyst_dedup_rule). Reference data, read whole every run, never swept;
-- no field of it is validated, so failed_rules is always ''.

with

versions as (

    {{ qqcatalyst_versions('departments', 'department_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'department_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('departments') }}

),

renamed as (

    select
        department_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'DepartmentId': 'department_id',
            'DepartmentName': 'department_name',
            'LocationId': 'location_id',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('departments')) }} as failed_rules

    from renamed

),

typed as (

    select
        department_key,
        agency,
        source_id,
        {{ safe_integer('department_id') }} as department_id,
        {{ nullif_blank('department_name') }} as department_name,
        {{ safe_integer('location_id') }} as location_id,
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
        typed.department_key,
        typed.department_id,
        typed.agency,
        typed.department_name,
        {{ qqcatalyst_key('typed.location_id', 'typed.agency') }} as location_key,
        typed.location_id,
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
