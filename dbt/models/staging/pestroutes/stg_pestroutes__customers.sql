{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
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
        {{ json_text('record', 'customerID') }} as customer_id,
        {{ json_text('record', 'billToAccountID') }} as bill_to_account_id,
        {{ json_text('record', 'officeID') }} as office_id,
        {{ json_text('record', 'fname') }} as first_name,
        {{ json_text('record', 'lname') }} as last_name,
        {{ json_text('record', 'companyName') }} as company_name,
        {{ json_text('record', 'spouse') }} as spouse,
        {{ json_text('record', 'commercialAccount') }} as commercial_account,
        {{ json_text('record', 'status') }} as status,
        {{ json_text('record', 'statusText') }} as status_text,
        {{ json_text('record', 'email') }} as email,
        {{ json_text('record', 'phone1') }} as phone1,
        {{ json_text('record', 'phone2') }} as phone2,
        {{ json_text('record', 'address') }} as address,
        {{ json_text('record', 'city') }} as city,
        {{ json_text('record', 'state') }} as state,
        {{ json_text('record', 'zip') }} as zip,
        {{ json_text('record', 'billingCompanyName') }} as billing_company_name,
        {{ json_text('record', 'billingFName') }} as billing_f_name,
        {{ json_text('record', 'billingLName') }} as billing_l_name,
        {{ json_text('record', 'billingAddress') }} as billing_address,
        {{ json_text('record', 'billingCity') }} as billing_city,
        {{ json_text('record', 'billingState') }} as billing_state,
        {{ json_text('record', 'billingZip') }} as billing_zip,
        {{ json_text('record', 'billingPhone') }} as billing_phone,
        {{ json_text('record', 'billingEmail') }} as billing_email,
        {{ json_text('record', 'lat') }} as lat,
        {{ json_text('record', 'lng') }} as lng,
        {{ json_text('record', 'squareFeet') }} as square_feet,
        {{ json_text('record', 'addedByID') }} as added_by_id,
        {{ json_text('record', 'dateAdded') }} as date_added,
        {{ json_text('record', 'dateCancelled') }} as date_cancelled,
        {{ json_text('record', 'dateUpdated') }} as date_updated,
        {{ json_text('record', 'sourceID') }} as source_id,
        {{ json_text('record', 'source') }} as source,
        {{ json_text('record', 'aPay') }} as a_pay,
        {{ json_text('record', 'preferredTechID') }} as preferred_tech_id,
        {{ json_text('record', 'paidInFull') }} as paid_in_full,
        {{ json_text('record', 'subscriptionIDs') }} as subscription_ids,
        {{ json_text('record', 'balance') }} as balance,
        {{ json_text('record', 'balanceAge') }} as balance_age,
        {{ json_text('record', 'responsibleBalance') }} as responsible_balance,
        {{ json_text('record', 'responsibleBalanceAge') }} as responsible_balance_age,
        {{ json_text('record', 'masterAccount') }} as master_account,
        {{ json_text('record', 'preferredBillingDate') }} as preferred_billing_date,
        {{ json_text('record', 'paymentHoldDate') }} as payment_hold_date,
        {{ json_text('record', 'mostRecentCreditCardLastFour') }} as most_recent_credit_card_last_four,
        {{ json_text('record', 'mostRecentCreditCardExpirationDate') }} as most_recent_credit_card_expiration_date,
        {{ json_text('record', 'regionID') }} as region_id,
        {{ json_text('record', 'appointmentIDs') }} as appointment_ids,
        {{ json_text('record', 'ticketIDs') }} as ticket_ids,
        {{ json_text('record', 'paymentIDs') }} as payment_ids,
        {{ json_int_array('record', 'unitIDs') }} as unit_ids,
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

deduplicated as (

    select
        *,
        row_number() over (
            partition by customer_key
            order by date_updated desc nulls last, extracted_at desc, dlt_load_id desc
        ) as version_rank

    from typed

),

final as (

    select
        customer_key,
        customer_id,
        bill_to_account_id,
        office_id,
        first_name,
        last_name,
        company_name,
        spouse,
        commercial_account,
        status,
        status_text,
        email,
        phone1,
        phone2,
        address,
        city,
        state,
        zip,
        billing_company_name,
        billing_f_name,
        billing_l_name,
        billing_address,
        billing_city,
        billing_state,
        billing_zip,
        billing_phone,
        billing_email,
        lat,
        lng,
        square_feet,
        added_by_id,
        date_added,
        date_cancelled,
        date_updated,
        source_id,
        source,
        a_pay,
        preferred_tech_id,
        paid_in_full,
        subscription_ids,
        balance,
        balance_age,
        responsible_balance,
        responsible_balance_age,
        master_account,
        preferred_billing_date,
        payment_hold_date,
        most_recent_credit_card_last_four,
        most_recent_credit_card_expiration_date,
        region_id,
        appointment_ids,
        ticket_ids,
        payment_ids,
        unit_ids,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from deduplicated
    where
        version_rank = 1
        {{ not_older_than_target('customer_key', 'date_updated') }}

)

select * from final
