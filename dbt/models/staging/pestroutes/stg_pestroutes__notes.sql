{#- cluster_by, merge_prune_columns, tmp_relation_type: Snowflake only (other adapters ignore
    them); merges there prune by office and ID (dbt/macros/snowflake/merge_pruning.sql). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='note_key',
        on_schema_change='append_new_columns',
        cluster_by=['office_name', 'note_id'],
        merge_prune_columns=['office_name', 'note_id'],
        tmp_relation_type='table',
    )
}}

-- RAW keeps every version of each note; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'notes') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'noteID': 'note_id',
            'officeID': 'office_id',
            'customerID': 'customer_id',
            'employeeID': 'employee_id',
            'date': 'date',
            'dateAdded': 'date_added',
            'dateUpdated': 'date_updated',
            'contactType': 'contact_type',
            'typeDescription': 'type_description',
            'notes': 'notes',
            'showCustomer': 'show_customer',
            'showTech': 'show_tech',
            'appointmentID': 'appointment_id',
            'cancellationReasonID': 'cancellation_reason_id',
        }) }},
        _office as office_name,
        {{ pestroutes_office_timezone() }} as office_timezone,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        {{ office_scoped_key('office_name', safe_integer('note_id')) }} as note_key,
        {{ safe_integer('note_id') }} as note_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ pestroutes_fk('customer_id') }} as customer_id,
        {{ pestroutes_fk('employee_id') }} as employee_id,
        {{ local_to_utc(safe_timestamp('date'), 'office_timezone') }} as date,
        {{ local_to_utc(safe_timestamp('date_added'), 'office_timezone') }} as date_added,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        {{ safe_integer('contact_type') }} as contact_type,
        {{ nullif_blank('type_description') }} as type_description,
        {{ nullif_blank('notes') }} as notes,
        {{ safe_boolean('show_customer') }} as show_customer,
        {{ safe_boolean('show_tech') }} as show_tech,
        {{ pestroutes_fk('appointment_id') }} as appointment_id,
        {{ pestroutes_fk('cancellation_reason_id') }} as cancellation_reason_id,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'note_key', 'date_updated') }}

)

select * from final
