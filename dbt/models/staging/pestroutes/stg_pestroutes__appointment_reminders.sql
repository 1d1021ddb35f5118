{#- cluster_by, merge_prune_columns, tmp_relation_type: Snowflake only (other adapters ignore
    them); merges there prune by office and ID (dbt/macros/snowflake/merge_pruning.sql). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='appointment_reminder_key',
        on_schema_change='append_new_columns',
        cluster_by=['office_name', 'appointment_reminder_id'],
        merge_prune_columns=['office_name', 'appointment_reminder_id'],
        tmp_relation_type='table',
    )
}}

-- RAW keeps every version of each appointment reminder; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'appointment_reminders') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'reminderID': 'appointment_reminder_id',
            'appointmentID': 'appointment_id',
            'customerID': 'customer_id',
            'officeID': 'office_id',
            'dateSent': 'date_sent',
            'dateUpdated': 'date_updated',
            'emailSent': 'email_sent',
            'textSent': 'text_sent',
            'voiceSent': 'voice_sent',
            'status': 'status',
            'statusText': 'status_text',
            'dateResponded': 'date_responded',
            'response': 'response',
        }) }},
        _office as office_name,
        {{ pestroutes_office_timezone() }} as office_timezone,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        {{ office_scoped_key('office_name', safe_integer('appointment_reminder_id')) }} as appointment_reminder_key,
        {{ safe_integer('appointment_reminder_id') }} as appointment_reminder_id,
        {{ pestroutes_fk('appointment_id') }} as appointment_id,
        {{ pestroutes_fk('customer_id') }} as customer_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ local_to_utc(safe_timestamp('date_sent'), 'office_timezone') }} as date_sent,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        {{ safe_boolean('email_sent') }} as email_sent,
        {{ safe_boolean('text_sent') }} as text_sent,
        {{ safe_boolean('voice_sent') }} as voice_sent,
        {{ safe_integer('status') }} as status,
        {{ nullif_blank('status_text') }} as status_text,
        {{ local_to_utc(safe_timestamp('date_responded'), 'office_timezone') }} as date_responded,
        {{ nullif_blank('response') }} as response,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'appointment_reminder_key', 'date_updated') }}

)

select * from final
