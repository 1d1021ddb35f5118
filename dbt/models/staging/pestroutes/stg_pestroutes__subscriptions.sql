{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='subscription_key',
        on_schema_change='append_new_columns',
    )
}}

-- RAW keeps every version of each subscription; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'subscriptions') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'subscriptionID': 'subscription_id',
            'customerID': 'customer_id',
            'billToAccountID': 'bill_to_account_id',
            'officeID': 'office_id',
            'dateAdded': 'date_added',
            'contractAdded': 'contract_added',
            'active': 'active',
            'activeText': 'active_text',
            'startDate': 'start_date',
            'initialQuote': 'initial_quote',
            'initialDiscount': 'initial_discount',
            'initialServiceTotal': 'initial_service_total',
            'recurringCharge': 'recurring_charge',
            'contractValue': 'contract_value',
            'annualRecurringValue': 'annual_recurring_value',
            'billingFrequency': 'billing_frequency',
            'frequency': 'frequency',
            'followupService': 'followup_service',
            'agreementLength': 'agreement_length',
            'nextService': 'next_service',
            'lastCompleted': 'last_completed',
            'serviceID': 'service_id',
            'serviceType': 'service_type',
            'soldBy': 'sold_by',
            'soldBy2': 'sold_by2',
            'preferredTech': 'preferred_tech',
            'addedBy': 'added_by',
            'dateCancelled': 'date_cancelled',
            'cancellationNotes': 'cancellation_notes',
            'cancellationReasonID': 'cancellation_reason_id',
            'sourceID': 'source_id',
            'regionID': 'region_id',
            'appointmentIDs': 'appointment_ids',
            'completedAppointmentIDs': 'completed_appointment_ids',
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
        {{ office_scoped_key('office_name', safe_integer('subscription_id')) }} as subscription_key,
        {{ safe_integer('subscription_id') }} as subscription_id,
        {{ pestroutes_fk('customer_id') }} as customer_id,
        {{ pestroutes_fk('bill_to_account_id') }} as bill_to_account_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ local_to_utc(safe_timestamp('date_added'), 'office_timezone') }} as date_added,
        {{ safe_date('contract_added') }} as contract_added,
        {{ safe_boolean('active') }} as active,
        {{ nullif_blank('active_text') }} as active_text,
        {{ safe_date('start_date') }} as start_date,
        {{ safe_decimal('initial_quote', 18, 2) }} as initial_quote,
        {{ safe_decimal('initial_discount', 18, 2) }} as initial_discount,
        {{ safe_decimal('initial_service_total', 18, 2) }} as initial_service_total,
        {{ safe_decimal('recurring_charge', 18, 2) }} as recurring_charge,
        {{ safe_decimal('contract_value', 18, 2) }} as contract_value,
        {{ safe_decimal('annual_recurring_value', 18, 2) }} as annual_recurring_value,
        {{ safe_integer('billing_frequency') }} as billing_frequency,
        {{ safe_integer('frequency') }} as frequency,
        {{ safe_integer('followup_service') }} as followup_service,
        {{ safe_integer('agreement_length') }} as agreement_length,
        {{ safe_date('next_service') }} as next_service,
        {{ safe_date('last_completed') }} as last_completed,
        {{ pestroutes_fk('service_id') }} as service_id,
        {{ nullif_blank('service_type') }} as service_type,
        {{ pestroutes_fk('sold_by') }} as sold_by,
        {{ pestroutes_fk('sold_by2') }} as sold_by2,
        {{ pestroutes_fk('preferred_tech') }} as preferred_tech,
        {{ pestroutes_fk('added_by') }} as added_by,
        {{ local_to_utc(safe_timestamp('date_cancelled'), 'office_timezone') }} as date_cancelled,
        {{ nullif_blank('cancellation_notes') }} as cancellation_notes,
        {{ pestroutes_fk('cancellation_reason_id') }} as cancellation_reason_id,
        {{ pestroutes_fk('source_id') }} as source_id,
        {{ pestroutes_fk('region_id') }} as region_id,
        {{ split_id_list('appointment_ids') }} as appointment_ids,
        {{ split_id_list('completed_appointment_ids') }} as completed_appointment_ids,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'subscription_key', 'date_updated') }}

)

select * from final
