{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_upsert_strategy(),
        unique_key='sr_number',
        on_schema_change='append_new_columns',
    )
}}

-- One row per service request (sr_number), its latest version across every export line and
-- file it appears on (see the doc block service_csv_dedup_rule). Incremental runs rank only the
-- lines of loads newer than the newest one merged, each request's kept version competing with
-- them (a kept version that wins is not written again), and rank every line of a request again
-- when its kept version came from a file that has since been re-uploaded.

with

{% if is_incremental() %}

replaced_keys as (

    -- Requests whose kept version came from a file version no longer in RAW.
    {{ keys_of_replaced_file_versions(source('service_csv', 'service_records'), 'sr_number') }}

),

{% endif %}

source as {{ lines_cte_hint() }} (

    {{ lines_to_rank(source('service_csv', 'service_records'), 'trim(sr_number)', 'replaced_keys', 'sr_number') }}

),

renamed as {{ lines_cte_hint() }} (

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
        _dlt_load_id as dlt_load_id,
        _raw_row_id as raw_row_id

    from source
    where trim(sr_number) <> ''

),

deduplicated as (

    {{ lines_ranked_with_kept_versions(
        lines='renamed',
        unique_key='sr_number',
        text_columns=[
            'sr_type', 'sr_status', 'sr_severity', 'sr_opened_at', 'sr_closed_at', 'sr_summary',
            'customer_account_number', 'site_id', 'product_model', 'serial_number',
        ],
        version_column='sr_closed_at',
        kept_version_column='sr_closed_at',
    ) }}

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
    where
        version_rank = 1
        and not is_kept_version

)

select * from final
