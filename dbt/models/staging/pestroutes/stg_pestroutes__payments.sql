{#- cluster_by, merge_prune_columns, tmp_relation_type: Snowflake only (other adapters ignore
    them); merges there prune by office and ID (dbt/macros/snowflake/merge_pruning.sql). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='payment_key',
        on_schema_change='append_new_columns',
        cluster_by=['office_name', 'payment_id'],
        merge_prune_columns=['office_name', 'payment_id'],
        tmp_relation_type='table',
    )
}}

-- RAW keeps every version of each payment; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'payments') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'paymentID': 'payment_id',
            'officeID': 'office_id',
            'customerID': 'customer_id',
            'date': 'date',
            'dateApplied': 'date_applied',
            'paymentMethod': 'payment_method',
            'amount': 'amount',
            'appliedAmount': 'applied_amount',
            'notes': 'notes',
            'employeeID': 'employee_id',
            'status': 'status',
            'invoiceIDs': 'invoice_ids',
            'paymentOrigin': 'payment_origin',
            'originalPaymentID': 'original_payment_id',
            'lastFour': 'last_four',
            'cardType': 'card_type',
            'paymentProfileID': 'payment_profile_id',
            'batchOpened': 'batch_opened',
            'batchClosed': 'batch_closed',
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
        {{ office_scoped_key('office_name', safe_integer('payment_id')) }} as payment_key,
        {{ safe_integer('payment_id') }} as payment_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ pestroutes_fk('customer_id') }} as customer_id,
        {{ local_to_utc(safe_timestamp('date'), 'office_timezone') }} as date,
        {{ local_to_utc(safe_timestamp('date_applied'), 'office_timezone') }} as date_applied,
        {{ safe_integer('payment_method') }} as payment_method,
        {{ safe_decimal('amount', 18, 2) }} as amount,
        {{ safe_decimal('applied_amount', 18, 2) }} as applied_amount,
        {{ nullif_blank('notes') }} as notes,
        {{ pestroutes_fk('employee_id') }} as employee_id,
        {{ safe_integer('status') }} as status,
        {{ split_id_list('invoice_ids') }} as invoice_ids,
        {{ safe_integer('payment_origin') }} as payment_origin,
        {{ pestroutes_fk('original_payment_id') }} as original_payment_id,
        {{ nullif_blank('last_four') }} as last_four,
        {{ nullif_blank('card_type') }} as card_type,
        {{ pestroutes_fk('payment_profile_id') }} as payment_profile_id,
        {{ local_to_utc(safe_timestamp('batch_opened'), 'office_timezone') }} as batch_opened,
        {{ local_to_utc(safe_timestamp('batch_closed'), 'office_timezone') }} as batch_closed,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'payment_key', 'date_updated') }}

)

select * from final
