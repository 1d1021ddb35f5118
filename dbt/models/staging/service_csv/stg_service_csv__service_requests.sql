{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='sr_number',
        on_schema_change='append_new_columns',
    )
}}

-- One row per service request (sr_number), its latest version across every export line and
-- file it appears on (see the doc block service_csv_dedup_rule). Incremental runs re-rank only
-- the requests touched since the last run: those on lines of loads newer than the newest one
-- merged, and those whose merged version came from a file that has since been re-uploaded.

with

source as (

    select * from {{ source('service_csv', 'service_records') }}

),

{% if is_incremental() %}

touched_keys as (

    -- Requests on lines of new loads, or whose kept version came from a re-uploaded file.
    {{ keys_touched_by_new_files(source('service_csv', 'service_records'), nullif_blank('trim(sr_number)'), 'sr_number') }}

),

{% endif %}

renamed as (

    select
        {{ nullif_blank('trim(sr_number)') }} as sr_number,
        sr_type,
        sr_status,
        sr_severity,
        sr_opened_at,
        sr_closed_at,
        sr_summary,
        customer_account_number,
        site_id,
        product_model,
        serial_number,
        _file_key as file_key,
        _file_etag as file_etag,
        _line_number as line_number,
        _parse_status as parse_status,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source
    where
        trim(sr_number) <> ''
        {% if is_incremental() %}
        and trim(sr_number) in (select touched_keys.sr_number from touched_keys)
        {% endif %}

),

versioned as (

    -- Only the version cursor is typed before ranking; the other columns are typed for the
    -- kept version alone (in `final`), not for every line of every export.
    select
        *,
        {{ safe_timestamp('sr_closed_at') }} as version_sr_closed_at

    from renamed

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by sr_number
            order by
                version_sr_closed_at desc nulls last,
                extracted_at desc,
                file_key desc,
                line_number desc
        ) as version_rank

    from versioned

),

final as (

    select
        sr_number,
        {{ nullif_blank('trim(sr_type)') }} as sr_type,
        {{ nullif_blank('trim(sr_status)') }} as sr_status,
        {{ nullif_blank('trim(sr_severity)') }} as sr_severity,
        {{ safe_timestamp('sr_opened_at') }} as sr_opened_at,
        version_sr_closed_at as sr_closed_at,
        {{ nullif_blank('sr_summary') }} as sr_summary,
        {{ nullif_blank('trim(customer_account_number)') }} as customer_account_number,
        {{ nullif_blank('trim(site_id)') }} as site_id,
        {{ nullif_blank('trim(product_model)') }} as product_model,
        {{ nullif_blank('trim(serial_number)') }} as serial_number,
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
