-- The loader reloads products whole for each office every run (no cursor), so this is a
-- view over RAW (materialization from dbt_project.yml); the dedup only guards against overlap.

with

source as (

    select * from {{ source('pestroutes', 'products') }}

),

renamed as (

    select
        {{ json_fields('record', {
            'productID': 'product_id',
            'officeID': 'office_id',
            'description': 'description',
            'code': 'code',
            'category': 'category',
            'amount': 'amount',
            'taxable': 'taxable',
            'glNumber': 'gl_number',
            'visible': 'visible',
        }) }},
        _office as office_name,
        {{ pestroutes_office_timezone() }} as office_timezone,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        {{ office_scoped_key('office_name', safe_integer('product_id')) }} as product_key,
        {{ safe_integer('product_id') }} as product_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ nullif_blank('description') }} as description,
        {{ nullif_blank('code') }} as code,
        {{ nullif_blank('category') }} as category,
        {{ safe_decimal('amount', 18, 2) }} as amount,
        {{ safe_boolean('taxable') }} as taxable,
        {{ nullif_blank('gl_number') }} as gl_number,
        {{ safe_boolean('visible') }} as visible,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'product_key') }}

)

select * from final
