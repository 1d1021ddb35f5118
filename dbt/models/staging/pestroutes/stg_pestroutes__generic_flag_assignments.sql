{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='generic_flag_assignment_key',
        on_schema_change='append_new_columns',
    )
}}

-- RAW keeps every version of each flag assignment; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'generic_flag_assignments') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'genericFlagAssignmentID': 'generic_flag_assignment_id',
            'genericFlagID': 'generic_flag_id',
            'entityID': 'entity_id',
            'type': 'type',
            'officeID': 'office_id',
            'dateCreated': 'date_created',
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
        {{ office_scoped_key('office_name', safe_integer('generic_flag_assignment_id')) }} as generic_flag_assignment_key,
        {{ safe_integer('generic_flag_assignment_id') }} as generic_flag_assignment_id,
        {{ pestroutes_fk('generic_flag_id') }} as generic_flag_id,
        {{ pestroutes_fk('entity_id') }} as entity_id,
        {{ nullif_blank('type') }} as type,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ local_to_utc(safe_timestamp('date_created'), 'office_timezone') }} as date_created,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'generic_flag_assignment_key', 'date_updated') }}

)

select * from final
