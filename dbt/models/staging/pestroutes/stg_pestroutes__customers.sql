{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='customer_key',
        on_schema_change='append_new_columns',
    )
}}

-- RAW keeps every version of each customer; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'customers') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'customerID': 'customer_id',
            'billToAccountID': 'bill_to_account_id',
            'officeID': 'office_id',
            'fname': 'first_name',
            'lname': 'last_name',
            'companyName': 'company_name',
            'spouse': 'spouse',
            'commercialAccount': 'commercial_account',
            'status': 'status',
            'statusText': 'status_text',
            'email': 'email',
            'phone1': 'phone1',
            'phone2': 'phone2',
            'address': 'address',
            'city': 'city',
            'state': 'state',
            'zip': 'zip',
            'billingCompanyName': 'billing_company_name',
            'billingFName': 'billing_f_name',
            'billingLName': 'billing_l_name',
            'billingAddress': 'billing_address',
            'billingCity': 'billing_city',
            'billingState': 'billing_state',
            'billingZip': 'billing_zip',
            'billingPhone': 'billing_phone',
            'billingEmail': 'billing_email',
            'lat': 'lat',
            'lng': 'lng',
            'squareFeet': 'square_feet',
            'addedByID': 'added_by_id',
            'dateAdded': 'date_added',
            'dateCancelled': 'date_cancelled',
            'dateUpdated': 'date_updated',
            'sourceID': 'source_id',
            'source': 'source',
            'aPay': 'a_pay',
            'preferredTechID': 'preferred_tech_id',
            'paidInFull': 'paid_in_full',
            'subscriptionIDs': 'subscription_ids',
            'balance': 'balance',
            'balanceAge': 'balance_age',
            'responsibleBalance': 'responsible_balance',
            'responsibleBalanceAge': 'responsible_balance_age',
            'masterAccount': 'master_account',
            'preferredBillingDate': 'preferred_billing_date',
            'paymentHoldDate': 'payment_hold_date',
            'mostRecentCreditCardLastFour': 'most_recent_credit_card_last_four',
            'mostRecentCreditCardExpirationDate': 'most_recent_credit_card_expiration_date',
            'regionID': 'region_id',
            'appointmentIDs': 'appointment_ids',
            'ticketIDs': 'ticket_ids',
            'paymentIDs': 'payment_ids',
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
        {{ office_scoped_key('office_name', safe_integer('customer_id')) }} as customer_key,
        {{ safe_integer('customer_id') }} as customer_id,
        {{ pestroutes_fk('bill_to_account_id') }} as bill_to_account_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ nullif_blank('first_name') }} as first_name,
        {{ nullif_blank('last_name') }} as last_name,
        {{ nullif_blank('company_name') }} as company_name,
        {{ nullif_blank('spouse') }} as spouse,
        {{ safe_boolean('commercial_account') }} as commercial_account,
        {{ safe_integer('status') }} as status,
        {{ nullif_blank('status_text') }} as status_text,
        {{ nullif_blank('email') }} as email,
        {{ nullif_blank('phone1') }} as phone1,
        {{ nullif_blank('phone2') }} as phone2,
        {{ nullif_blank('address') }} as address,
        {{ nullif_blank('city') }} as city,
        {{ nullif_blank('state') }} as state,
        {{ nullif_blank('zip') }} as zip,
        {{ nullif_blank('billing_company_name') }} as billing_company_name,
        {{ nullif_blank('billing_f_name') }} as billing_f_name,
        {{ nullif_blank('billing_l_name') }} as billing_l_name,
        {{ nullif_blank('billing_address') }} as billing_address,
        {{ nullif_blank('billing_city') }} as billing_city,
        {{ nullif_blank('billing_state') }} as billing_state,
        {{ nullif_blank('billing_zip') }} as billing_zip,
        {{ nullif_blank('billing_phone') }} as billing_phone,
        {{ nullif_blank('billing_email') }} as billing_email,
        {{ safe_float('lat') }} as lat,
        {{ safe_float('lng') }} as lng,
        {{ safe_integer('square_feet') }} as square_feet,
        {{ pestroutes_fk('added_by_id') }} as added_by_id,
        {{ local_to_utc(safe_timestamp('date_added'), 'office_timezone') }} as date_added,
        {{ local_to_utc(safe_timestamp('date_cancelled'), 'office_timezone') }} as date_cancelled,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        {{ pestroutes_fk('source_id') }} as source_id,
        {{ nullif_blank('source') }} as source,
        {{ nullif_blank('a_pay') }} as a_pay,
        {{ pestroutes_fk('preferred_tech_id') }} as preferred_tech_id,
        {{ safe_boolean('paid_in_full') }} as paid_in_full,
        {{ split_id_list('subscription_ids') }} as subscription_ids,
        {{ safe_decimal('balance', 18, 2) }} as balance,
        {{ safe_integer('balance_age') }} as balance_age,
        {{ safe_decimal('responsible_balance', 18, 2) }} as responsible_balance,
        {{ safe_integer('responsible_balance_age') }} as responsible_balance_age,
        {{ pestroutes_fk('master_account') }} as master_account,
        {{ safe_integer('preferred_billing_date') }} as preferred_billing_date,
        {{ safe_date('payment_hold_date') }} as payment_hold_date,
        {{ nullif_blank('most_recent_credit_card_last_four') }} as most_recent_credit_card_last_four,
        {{ nullif_blank('most_recent_credit_card_expiration_date') }} as most_recent_credit_card_expiration_date,
        {{ pestroutes_fk('region_id') }} as region_id,
        {{ split_id_list('appointment_ids') }} as appointment_ids,
        {{ split_id_list('ticket_ids') }} as ticket_ids,
        {{ split_id_list('payment_ids') }} as payment_ids,
        unit_ids,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'customer_key', 'date_updated') }}

)

select * from final
