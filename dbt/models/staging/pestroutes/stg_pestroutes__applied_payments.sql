{#- cluster_by, merge_prune_columns, tmp_relation_type: Snowflake only (other adapters ignore
    them); merges there prune by office and ID (dbt/macros/snowflake/merge_pruning.sql). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='applied_payment_key',
        on_schema_change='append_new_columns',
        cluster_by=['office_name', 'applied_payment_id'],
        merge_prune_columns=['office_name', 'applied_payment_id'],
        tmp_relation_type='table',
    )
}}

-- RAW keeps every version of each applied payment; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'applied_payments') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'appliedPaymentID': 'applied_payment_id',
            'officeID': 'office_id',
            'paymentID': 'payment_id',
            'ticketID': 'ticket_id',
            'customerID': 'customer_id',
            'appliedBy': 'applied_by',
            'dateApplied': 'date_applied',
            'appliedAmount': 'applied_amount',
            'taxCollected': 'tax_collected',
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
        {{ office_scoped_key('office_name', safe_integer('applied_payment_id')) }} as applied_payment_key,
        {{ safe_integer('applied_payment_id') }} as applied_payment_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ pestroutes_fk('payment_id') }} as payment_id,
        {{ pestroutes_fk('ticket_id') }} as ticket_id,
        {{ pestroutes_fk('customer_id') }} as customer_id,
        {{ pestroutes_fk('applied_by') }} as applied_by,
        {{ local_to_utc(safe_timestamp('date_applied'), 'office_timezone') }} as date_applied,
        {{ safe_decimal('applied_amount', 18, 2) }} as applied_amount,
        {{ safe_decimal('tax_collected', 18, 2) }} as tax_collected,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'applied_payment_key', 'date_updated') }}

)

select * from final
