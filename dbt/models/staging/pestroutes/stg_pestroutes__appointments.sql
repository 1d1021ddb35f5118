{#- cluster_by, merge_prune_columns, tmp_relation_type: Snowflake only (other adapters ignore
    them); merges there prune by office and ID (dbt/macros/snowflake/merge_pruning.sql). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='appointment_key',
        on_schema_change='append_new_columns',
        cluster_by=['office_name', 'appointment_id'],
        merge_prune_columns=['office_name', 'appointment_id'],
        tmp_relation_type='table',
    )
}}

-- RAW keeps every version of each appointment; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'appointments') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'appointmentID': 'appointment_id',
            'officeID': 'office_id',
            'customerID': 'customer_id',
            'subscriptionID': 'subscription_id',
            'routeID': 'route_id',
            'spotID': 'spot_id',
            'date': 'date',
            'start': adapter.quote('start'),
            'end': adapter.quote('end'),
            'duration': 'duration',
            'type': 'type',
            'dateAdded': 'date_added',
            'employeeID': 'employee_id',
            'status': 'status',
            'statusText': 'status_text',
            'callAhead': 'call_ahead',
            'isInitial': 'is_initial',
            'completedBy': 'completed_by',
            'servicedBy': 'serviced_by',
            'dateCompleted': 'date_completed',
            'notes': 'notes',
            'officeNotes': 'office_notes',
            'timeIn': 'time_in',
            'timeOut': 'time_out',
            'checkIn': 'check_in',
            'checkOut': 'check_out',
            'windSpeed': 'wind_speed',
            'windDirection': 'wind_direction',
            'temperature': 'temperature',
            'amountCollected': 'amount_collected',
            'paymentMethod': 'payment_method',
            'servicedInterior': 'serviced_interior',
            'ticketID': 'ticket_id',
            'dateCancelled': 'date_cancelled',
            'additionalTechs': 'additional_techs',
            'appointmentNotes': 'appointment_notes',
            'doInterior': 'do_interior',
            'dateUpdated': 'date_updated',
            'cancelledBy': 'cancelled_by',
            'assignedTech': 'assigned_tech',
            'rescheduleReasonID': 'reschedule_reason_id',
        }) }},
        {{ json_int_array('record', 'unitIDs') }} as unit_ids,
        _office as office_name,
        {{ pestroutes_office_timezone() }} as office_timezone,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        {{ office_scoped_key('office_name', safe_integer('appointment_id')) }} as appointment_key,
        {{ safe_integer('appointment_id') }} as appointment_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ pestroutes_fk('customer_id') }} as customer_id,
        {{ pestroutes_fk('subscription_id') }} as subscription_id,
        {{ pestroutes_fk('route_id') }} as route_id,
        {{ pestroutes_fk('spot_id') }} as spot_id,
        {{ safe_date('date') }} as date,
        {{ nullif_blank(adapter.quote('start')) }} as {{ adapter.quote('start') }},
        {{ nullif_blank(adapter.quote('end')) }} as {{ adapter.quote('end') }},
        {{ safe_integer('duration') }} as duration,
        {{ pestroutes_fk('type') }} as type,
        {{ local_to_utc(safe_timestamp('date_added'), 'office_timezone') }} as date_added,
        {{ pestroutes_fk('employee_id') }} as employee_id,
        {{ safe_integer('status') }} as status,
        {{ nullif_blank('status_text') }} as status_text,
        {{ safe_integer('call_ahead') }} as call_ahead,
        {{ safe_boolean('is_initial') }} as is_initial,
        {{ pestroutes_fk('completed_by') }} as completed_by,
        {{ pestroutes_fk('serviced_by') }} as serviced_by,
        {{ local_to_utc(safe_timestamp('date_completed'), 'office_timezone') }} as date_completed,
        {{ nullif_blank('notes') }} as notes,
        {{ nullif_blank('office_notes') }} as office_notes,
        {{ local_to_utc(safe_timestamp('time_in'), 'office_timezone') }} as time_in,
        {{ local_to_utc(safe_timestamp('time_out'), 'office_timezone') }} as time_out,
        {{ local_to_utc(safe_timestamp('check_in'), 'office_timezone') }} as check_in,
        {{ local_to_utc(safe_timestamp('check_out'), 'office_timezone') }} as check_out,
        {{ safe_integer('wind_speed') }} as wind_speed,
        {{ nullif_blank('wind_direction') }} as wind_direction,
        {{ safe_integer('temperature') }} as temperature,
        {{ safe_decimal('amount_collected', 18, 2) }} as amount_collected,
        {{ safe_integer('payment_method') }} as payment_method,
        {{ safe_boolean('serviced_interior') }} as serviced_interior,
        {{ pestroutes_fk('ticket_id') }} as ticket_id,
        {{ local_to_utc(safe_timestamp('date_cancelled'), 'office_timezone') }} as date_cancelled,
        {{ split_id_list('additional_techs') }} as additional_techs,
        {{ nullif_blank('appointment_notes') }} as appointment_notes,
        {{ safe_boolean('do_interior') }} as do_interior,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        {{ pestroutes_fk('cancelled_by') }} as cancelled_by,
        {{ pestroutes_fk('assigned_tech') }} as assigned_tech,
        {{ pestroutes_fk('reschedule_reason_id') }} as reschedule_reason_id,
        unit_ids,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'appointment_key', 'date_updated') }}

)

select * from final
