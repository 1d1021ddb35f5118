{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='knock_key',
        on_schema_change='append_new_columns',
    )
}}

-- RAW keeps every version of each knock; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'knocks') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'knockID': 'knock_id',
            'officeID': 'office_id',
            'doorID': 'door_id',
            'employeeID': 'employee_id',
            'status': 'status',
            'statusText': 'status_text',
            'notes': 'notes',
            'latitude': 'latitude',
            'longitude': 'longitude',
            'dateAdded': 'date_added',
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
        {{ office_scoped_key('office_name', safe_integer('knock_id')) }} as knock_key,
        {{ safe_integer('knock_id') }} as knock_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ pestroutes_fk('door_id') }} as door_id,
        {{ pestroutes_fk('employee_id') }} as employee_id,
        {{ safe_integer('status') }} as status,
        {{ nullif_blank('status_text') }} as status_text,
        {{ nullif_blank('notes') }} as notes,
        {{ safe_float('latitude') }} as latitude,
        {{ safe_float('longitude') }} as longitude,
        {{ local_to_utc(safe_timestamp('date_added'), 'office_timezone') }} as date_added,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'knock_key', 'date_updated') }}

)

select * from final
