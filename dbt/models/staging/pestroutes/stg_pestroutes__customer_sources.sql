-- The loader reloads customer_sources whole for each office every run (no cursor), so this is a
-- view over RAW (materialization from dbt_project.yml); the dedup only guards against overlap.

with

source as (

    select * from {{ source('pestroutes', 'customer_sources') }}

),

renamed as (

    select
        {{ json_fields('record', {
            'sourceID': 'customer_source_id',
            'officeID': 'office_id',
            'source': 'source',
            'visible': 'visible',
            'dealsSource': 'deals_source',
        }) }},
        _office as office_name,
        {{ pestroutes_office_timezone() }} as office_timezone,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        {{ office_scoped_key('office_name', safe_integer('customer_source_id')) }} as customer_source_key,
        {{ safe_integer('customer_source_id') }} as customer_source_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ nullif_blank('source') }} as source,
        {{ safe_boolean('visible') }} as visible,
        {{ safe_boolean('deals_source') }} as deals_source,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'customer_source_key') }}

)

select * from final
