{#- cluster_by, merge_prune_columns, tmp_relation_type: Snowflake only (other adapters ignore
    them); merges there prune by office and ID (dbt/macros/snowflake/merge_pruning.sql). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='ticket_item_key',
        on_schema_change='append_new_columns',
        cluster_by=['office_name', 'ticket_item_id'],
        merge_prune_columns=['office_name', 'ticket_item_id'],
        tmp_relation_type='table',
    )
}}

-- RAW keeps every version of each ticket item; this model keeps the latest per
-- (office, id). Incremental runs read only loads newer than the newest one already merged.

with

source as (

    select * from {{ source('pestroutes', 'ticket_items') }}
    {{ loads_after_target() }}

),

renamed as (

    select
        {{ json_fields('record', {
            'itemID': 'ticket_item_id',
            'ticketID': 'ticket_id',
            'officeID': 'office_id',
            'description': 'description',
            'quantity': 'quantity',
            'amount': 'amount',
            'taxable': 'taxable',
            'serviceID': 'service_id',
            'productID': 'product_id',
            'creditTo': 'credit_to',
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
        {{ office_scoped_key('office_name', safe_integer('ticket_item_id')) }} as ticket_item_key,
        {{ safe_integer('ticket_item_id') }} as ticket_item_id,
        {{ pestroutes_fk('ticket_id') }} as ticket_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ nullif_blank('description') }} as description,
        {{ safe_float('quantity') }} as quantity,
        {{ safe_decimal('amount', 18, 2) }} as amount,
        {{ safe_boolean('taxable') }} as taxable,
        {{ pestroutes_fk('service_id') }} as service_id,
        {{ pestroutes_fk('product_id') }} as product_id,
        {{ pestroutes_fk('credit_to') }} as credit_to,
        {{ local_to_utc(safe_timestamp('date_created'), 'office_timezone') }} as date_created,
        {{ local_to_utc(safe_timestamp('date_updated'), 'office_timezone') }} as date_updated,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'ticket_item_key', 'date_updated') }}

)

select * from final
