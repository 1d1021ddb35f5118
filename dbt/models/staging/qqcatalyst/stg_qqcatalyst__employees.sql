-- The agency's staff (agents, CSRs, producers, managers): one row per (agency, EmployeeId), the
-- latest version (doc block qqcatalyst_dedup_rule). Contacts and policies point at them as
-- `AgentId`. Reference data, read whole every run, never swept; Status I marks who left.

with

versions as (

    {{ qqcatalyst_versions('employees', 'employee_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'employee_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('employees') }}

),

renamed as (

    select
        employee_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'EmployeeId': 'employee_id',
            'FirstName': 'first_name',
            'LastName': 'last_name',
            'Email': 'email',
            'Phone': 'phone',
            'DepartmentId': 'department_id',
            'LocationId': 'location_id',
            'Role': 'role',
            'Status': 'status',
            'HireDate': 'hire_date',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('employees')) }} as failed_rules

    from renamed

),

typed as (

    select
        employee_key,
        agency,
        source_id,
        {{ safe_integer('employee_id') }} as employee_id,
        {{ nullif_blank('first_name') }} as first_name,
        {{ nullif_blank('last_name') }} as last_name,
        {{ qqcatalyst_email('email') }} as email,
        {{ qqcatalyst_phone('phone') }} as phone,
        {{ safe_integer('department_id') }} as department_id,
        {{ safe_integer('location_id') }} as location_id,
        {{ nullif_blank('role') }} as role,
        {{ qqcatalyst_status('status', 'employees', 'Status') }} as status,
        {{ qqcatalyst_date('hire_date') }} as hire_date,
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
        typed.employee_key,
        typed.employee_id,
        typed.agency,
        typed.first_name,
        typed.last_name,
        typed.email,
        typed.phone,
        {{ qqcatalyst_key('typed.department_id', 'typed.agency') }} as department_key,
        typed.department_id,
        {{ qqcatalyst_key('typed.location_id', 'typed.agency') }} as location_key,
        typed.location_id,
        typed.role,
        typed.status,
        typed.hire_date,
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
