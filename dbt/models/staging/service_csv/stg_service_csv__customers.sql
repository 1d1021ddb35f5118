{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='customer_account_number',
        on_schema_change='append_new_columns',
    )
}}

-- One row per customer (customer_account_number): the customer's details as written on the
-- line of their most recently opened service request (see the doc block service_csv_dedup_rule).
-- A customer appears on many lines across the exports, and a new export names many customers
-- (a 1 % day of exports at the bench's seed scale: 42,000 of 90,000): re-ranking all of their
-- lines would rank most of RAW again.
-- Incremental runs rank only the lines of loads newer than the newest one merged, each customer's
-- kept version competing with them, and re-rank every line of a customer only when their kept
-- version came from a file that has since been re-uploaded (that version is gone from RAW).

with

source as (

    select * from {{ source('service_csv', 'service_records') }}

),

{% if is_incremental() %}

reuploaded_keys as (

    -- Customers whose kept version came from a file version (key + ETag) no longer in RAW.
    {{ keys_of_replaced_file_versions(source('service_csv', 'service_records'), 'customer_account_number') }}

),

{% endif %}

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
    where
        trim(customer_account_number) <> ''
        {% if is_incremental() %}
        and (
            _dlt_load_id > (select coalesce(max(dlt_load_id), '') from {{ this }})
            or trim(customer_account_number) in (
                select reuploaded_keys.customer_account_number from reuploaded_keys
            )
        )
        {% endif %}

),

versioned as (

    -- Only the version cursor is typed before ranking; the other columns are typed for the
    -- kept version alone (in `final`).
    select
        customer_account_number,
        customer_name,
        customer_city,
        customer_state,
        customer_country,
        customer_segment,
        {{ safe_timestamp('sr_opened_at') }} as version_sr_opened_at,
        file_key,
        file_etag,
        line_number,
        parse_status,
        extracted_at,
        dlt_load_id

    from renamed

    {% if is_incremental() %}

    union all

    -- The kept version of each customer on a new line, ranked with those lines: when it wins,
    -- the merge writes it back unchanged (`final` cleans its columns again to the same values).
    select
        current_version.customer_account_number,
        current_version.customer_name,
        current_version.customer_city,
        current_version.customer_state,
        current_version.customer_country,
        current_version.customer_segment,
        current_version.version_sr_opened_at,
        current_version.file_key,
        current_version.file_etag,
        current_version.line_number,
        current_version.parse_status,
        current_version.extracted_at,
        current_version.dlt_load_id

    from {{ this }} as current_version
    where
        current_version.customer_account_number in (select renamed.customer_account_number from renamed)
        and current_version.customer_account_number not in (
            select reuploaded_keys.customer_account_number from reuploaded_keys
        )

    {% endif %}

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
