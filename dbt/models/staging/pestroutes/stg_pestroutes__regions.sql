-- The loader reloads regions whole for each office every run (no cursor), so this is a
-- view over RAW (materialization from dbt_project.yml); the dedup only guards against overlap.

with

source as (

    select * from {{ source('pestroutes', 'regions') }}

),

renamed as (

    select
        {{ json_fields('record', {
            'regionID': 'region_id',
            'officeID': 'office_id',
            'region': 'region',
            'created': 'created',
            'deleted': 'deleted',
        }) }},
        _office as office_name,
        {{ pestroutes_office_timezone() }} as office_timezone,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        {{ office_scoped_key('office_name', safe_integer('region_id')) }} as region_key,
        {{ safe_integer('region_id') }} as region_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ nullif_blank('region') }} as region,
        {{ local_to_utc(safe_timestamp('created'), 'office_timezone') }} as created,
        {{ safe_boolean('deleted') }} as deleted,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'region_key') }}

)

select * from final
