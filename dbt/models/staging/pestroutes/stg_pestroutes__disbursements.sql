{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='disbursement_key',
        on_schema_change='append_new_columns',
    )
}}

-- RAW keeps every version of each disbursement; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'disbursements') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'gatewayDisbursementID': 'disbursement_id',
            'officeID': 'office_id',
            'gatewayID': 'gateway_id',
            'batchNumber': 'batch_number',
            'amount': 'amount',
            'itemCount': 'item_count',
            'status': 'status',
            'depositDate': 'deposit_date',
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
        {{ office_scoped_key('office_name', safe_integer('disbursement_id')) }} as disbursement_key,
        {{ safe_integer('disbursement_id') }} as disbursement_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ nullif_blank('gateway_id') }} as gateway_id,
        {{ nullif_blank('batch_number') }} as batch_number,
        {{ safe_decimal('amount', 18, 2) }} as amount,
        {{ safe_integer('item_count') }} as item_count,
        {{ nullif_blank('status') }} as status,
        {{ safe_date('deposit_date') }} as deposit_date,
        {{ local_to_utc(safe_timestamp('date_created'), 'office_timezone') }} as date_created,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'disbursement_key', 'date_updated') }}

)

select * from final
