{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='employee_key',
        on_schema_change='append_new_columns',
    )
}}

-- RAW keeps every version of each employee; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'employees') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'employeeID': 'employee_id',
            'officeID': 'office_id',
            'active': 'active',
            'fname': 'first_name',
            'lname': 'last_name',
            'initials': 'initials',
            'nickname': 'nickname',
            'type': 'type',
            'phone': 'phone',
            'email': 'email',
            'username': 'username',
            'experience': 'experience',
            'skillIDs': 'skill_ids',
            'skillDescriptions': 'skill_descriptions',
            'linkedEmployeeIDs': 'linked_employee_ids',
            'licenseNumber': 'license_number',
            'supervisorID': 'supervisor_id',
            'roamingRep': 'roaming_rep',
            'regionID': 'region_id',
            'lastLogin': 'last_login',
            'dateUpdated': 'date_updated',
        }) }},
        _office as office_name,
        {{ pestroutes_office_timezone() }} as office_timezone,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        {{ office_scoped_key('office_name', safe_integer('employee_id')) }} as employee_key,
        {{ safe_integer('employee_id') }} as employee_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ safe_boolean('active') }} as active,
        {{ nullif_blank('first_name') }} as first_name,
        {{ nullif_blank('last_name') }} as last_name,
        {{ nullif_blank('initials') }} as initials,
        {{ nullif_blank('nickname') }} as nickname,
        {{ safe_integer('type') }} as type,
        {{ nullif_blank('phone') }} as phone,
        {{ nullif_blank('email') }} as email,
        {{ nullif_blank('username') }} as username,
        {{ safe_integer('experience') }} as experience,
        {{ split_id_list('skill_ids') }} as skill_ids,
        {{ nullif_blank('skill_descriptions') }} as skill_descriptions,
        {{ split_id_list('linked_employee_ids') }} as linked_employee_ids,
        {{ nullif_blank('license_number') }} as license_number,
        {{ pestroutes_fk('supervisor_id') }} as supervisor_id,
        {{ safe_boolean('roaming_rep') }} as roaming_rep,
        {{ pestroutes_fk('region_id') }} as region_id,
        {{ local_to_utc(safe_timestamp('last_login'), 'office_timezone') }} as last_login,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'employee_key', 'date_updated') }}

)

select * from final
