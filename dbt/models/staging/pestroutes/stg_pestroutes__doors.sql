{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='door_key',
        on_schema_change='append_new_columns',
    )
}}

-- RAW keeps every version of each door; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'doors') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'doorID': 'door_id',
            'officeID': 'office_id',
            'employeeID': 'employee_id',
            'customerID': 'customer_id',
            'latitude': 'latitude',
            'longitude': 'longitude',
            'address': 'address',
            'city': 'city',
            'zip': 'zip',
            'status': 'status',
            'statusText': 'status_text',
            'timeCreated': 'time_created',
            'dateCreated': 'date_created',
        }) }},
        _office as office_name,
        {{ pestroutes_office_timezone() }} as office_timezone,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        {{ office_scoped_key('office_name', safe_integer('door_id')) }} as door_key,
        {{ safe_integer('door_id') }} as door_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ pestroutes_fk('employee_id') }} as employee_id,
        {{ pestroutes_fk('customer_id') }} as customer_id,
        {{ safe_float('latitude') }} as latitude,
        {{ safe_float('longitude') }} as longitude,
        {{ nullif_blank('address') }} as address,
        {{ nullif_blank('city') }} as city,
        {{ nullif_blank('zip') }} as zip,
        {{ safe_integer('status') }} as status,
        {{ nullif_blank('status_text') }} as status_text,
        {{ local_to_utc(safe_timestamp('time_created'), 'office_timezone') }} as time_created,
        {{ safe_date('date_created') }} as date_created,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'door_key', 'time_created') }}

)

select * from final
