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
        coalesce(
            _office_timezone,
            '{{ var("pestroutes_default_timezone", "America/Los_Angeles") }}'
        ) as office_timezone,
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

deduplicated as (

    select
        *,
        row_number() over (
            partition by disbursement_key
            order by date_updated desc nulls last, extracted_at desc, dlt_load_id desc
        ) as version_rank

    from typed

),

final as (

    select
        disbursement_key,
        disbursement_id,
        office_id,
        gateway_id,
        batch_number,
        amount,
        item_count,
        status,
        deposit_date,
        date_created,
        date_updated,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from deduplicated
    where
        version_rank = 1
        {{ not_older_than_target('disbursement_key', 'date_updated') }}

)

select * from final
