{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='payment_profile_key',
        on_schema_change='append_new_columns',
    )
}}

-- RAW keeps every version of each payment profile; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'payment_profiles') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'paymentProfileID': 'payment_profile_id',
            'customerID': 'customer_id',
            'officeID': 'office_id',
            'createdBy': 'created_by',
            'description': 'description',
            'dateCreated': 'date_created',
            'dateUpdated': 'date_updated',
            'status': 'status',
            'statusNotes': 'status_notes',
            'billingName': 'billing_name',
            'lastFour': 'last_four',
            'expMonth': 'exp_month',
            'expYear': 'exp_year',
            'paymentMethod': 'payment_method',
            'cardType': 'card_type',
            'lastAttemptDate': 'last_attempt_date',
            'autoPay': 'auto_pay',
        }) }},
        _office as office_name,
        {{ pestroutes_office_timezone() }} as office_timezone,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        {{ office_scoped_key('office_name', safe_integer('payment_profile_id')) }} as payment_profile_key,
        {{ safe_integer('payment_profile_id') }} as payment_profile_id,
        {{ pestroutes_fk('customer_id') }} as customer_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ pestroutes_fk('created_by') }} as created_by,
        {{ nullif_blank('description') }} as description,
        {{ local_to_utc(safe_timestamp('date_created'), 'office_timezone') }} as date_created,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        {{ safe_integer('status') }} as status,
        {{ nullif_blank('status_notes') }} as status_notes,
        {{ nullif_blank('billing_name') }} as billing_name,
        {{ nullif_blank('last_four') }} as last_four,
        {{ safe_integer('exp_month') }} as exp_month,
        {{ safe_integer('exp_year') }} as exp_year,
        {{ safe_integer('payment_method') }} as payment_method,
        {{ nullif_blank('card_type') }} as card_type,
        {{ local_to_utc(safe_timestamp('last_attempt_date'), 'office_timezone') }} as last_attempt_date,
        {{ safe_boolean('auto_pay') }} as auto_pay,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'payment_profile_key', 'date_updated') }}

)

select * from final
