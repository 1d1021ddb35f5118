{{ config(materialized='table') }}

-- One row per customer (customer_account_number): the customer's details as written on the
-- line of their most recently opened service request (see the doc block service_csv_dedup_rule).
-- A table, rebuilt on every run: customers are few, but finding each one's latest line ranks
-- every export line, which a view would redo for every query and test that reads it.

with

source as (

    select * from {{ source('service_csv', 'service_records') }}

),

renamed as (

    select
        {{ nullif_blank('trim(customer_account_number)') }} as customer_account_number,
        customer_name,
        customer_city,
        customer_state,
        customer_country,
        customer_segment,
        sr_opened_at,
        _file_key as file_key,
        _file_etag as file_etag,
        _line_number as line_number,
        _parse_status as parse_status,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source
    where trim(customer_account_number) <> ''

),

versioned as (

    -- Only the version cursor is typed before ranking; the other columns are typed for the
    -- kept version alone (in `final`).
    select
        *,
        {{ safe_timestamp('sr_opened_at') }} as version_sr_opened_at

    from renamed

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by customer_account_number
            order by
                version_sr_opened_at desc nulls last,
                extracted_at desc,
                file_key desc,
                line_number desc
        ) as version_rank

    from versioned

),

final as (

    select
        customer_account_number,
        {{ nullif_blank('trim(customer_name)') }} as customer_name,
        {{ nullif_blank('trim(customer_city)') }} as customer_city,
        {{ nullif_blank('trim(customer_state)') }} as customer_state,
        {{ nullif_blank('trim(customer_country)') }} as customer_country,
        {{ nullif_blank('trim(customer_segment)') }} as customer_segment,
        version_sr_opened_at,
        file_key,
        file_etag,
        line_number,
        parse_status,
        extracted_at,
        dlt_load_id

    from deduplicated
    where version_rank = 1

)

select * from final
