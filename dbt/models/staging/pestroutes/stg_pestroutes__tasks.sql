{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='task_key',
        on_schema_change='append_new_columns',
    )
}}

-- RAW keeps every version of each task; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'tasks') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'taskID': 'task_id',
            'officeID': 'office_id',
            'customerID': 'customer_id',
            'addedBy': 'added_by',
            'assignedTo': 'assigned_to',
            'dateAdded': 'date_added',
            'dateUpdated': 'date_updated',
            'dueDate': 'due_date',
            'dateCompleted': 'date_completed',
            'task': 'task',
            'category': 'category',
            'completed': 'completed',
            'completedBy': 'completed_by',
            'completionNotes': 'completion_notes',
            'phone': 'phone',
            'referenceType': 'reference_type',
        }) }},
        _office as office_name,
        {{ pestroutes_office_timezone() }} as office_timezone,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        {{ office_scoped_key('office_name', safe_integer('task_id')) }} as task_key,
        {{ safe_integer('task_id') }} as task_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ pestroutes_fk('customer_id') }} as customer_id,
        {{ pestroutes_fk('added_by') }} as added_by,
        {{ pestroutes_fk('assigned_to') }} as assigned_to,
        {{ local_to_utc(safe_timestamp('date_added'), 'office_timezone') }} as date_added,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        {{ safe_date('due_date') }} as due_date,
        {{ local_to_utc(safe_timestamp('date_completed'), 'office_timezone') }} as date_completed,
        {{ nullif_blank('task') }} as task,
        {{ nullif_blank('category') }} as category,
        {{ safe_boolean('completed') }} as completed,
        {{ pestroutes_fk('completed_by') }} as completed_by,
        {{ nullif_blank('completion_notes') }} as completion_notes,
        {{ nullif_blank('phone') }} as phone,
        {{ nullif_blank('reference_type') }} as reference_type,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'task_key', 'date_updated') }}

)

select * from final
