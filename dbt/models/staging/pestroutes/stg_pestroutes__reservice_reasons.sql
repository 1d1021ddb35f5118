-- The loader reloads reservice_reasons whole for each office every run (no cursor), so this is a
-- view over RAW (materialization from dbt_project.yml); the dedup only guards against overlap.

with

source as (

    select * from {{ source('pestroutes', 'reservice_reasons') }}

),

renamed as (

    select
        {{ json_fields('record', {
            'reserviceReasonID': 'reservice_reason_id',
            'officeID': 'office_id',
            'reason': 'reason',
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
        {{ office_scoped_key('office_name', safe_integer('reservice_reason_id')) }} as reservice_reason_key,
        {{ safe_integer('reservice_reason_id') }} as reservice_reason_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ nullif_blank('reason') }} as reason,
        {{ safe_boolean('visible') }} as visible,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'reservice_reason_key') }}

)

select * from final
