{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='chargeback_key',
        on_schema_change='append_new_columns',
    )
}}

-- RAW keeps every version of each chargeback; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'chargebacks') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'gatewayChargebackID': 'chargeback_id',
            'officeID': 'office_id',
            'paymentID': 'payment_id',
            'customerID': 'customer_id',
            'amount': 'amount',
            'status': 'status',
            'reasonCode': 'reason_code',
            'reason': 'reason',
            'dueDate': 'due_date',
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
        {{ office_scoped_key('office_name', safe_integer('chargeback_id')) }} as chargeback_key,
        {{ safe_integer('chargeback_id') }} as chargeback_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ pestroutes_fk('payment_id') }} as payment_id,
        {{ pestroutes_fk('customer_id') }} as customer_id,
        {{ safe_decimal('amount', 18, 2) }} as amount,
        {{ nullif_blank('status') }} as status,
        {{ nullif_blank('reason_code') }} as reason_code,
        {{ nullif_blank('reason') }} as reason,
        {{ safe_date('due_date') }} as due_date,
        {{ local_to_utc(safe_timestamp('date_created'), 'office_timezone') }} as date_created,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'chargeback_key', 'date_updated') }}

)

select * from final
