-- The loader reloads service_types whole for each office every run (no cursor), so this is a
-- view over RAW (materialization from dbt_project.yml); the dedup only guards against overlap.

with

source as (

    select * from {{ source('pestroutes', 'service_types') }}

),

renamed as (

    select
        {{ json_fields('record', {
            'typeID': 'service_type_id',
            'officeID': 'office_id',
            'description': 'description',
            'frequency': 'frequency',
            'defaultCharge': 'default_charge',
            'category': 'category',
            'reservice': 'reservice',
            'defaultLength': 'default_length',
            'defaultInitialCharge': 'default_initial_charge',
            'minimumRecurringCharge': 'minimum_recurring_charge',
            'regularService': 'regular_service',
            'initial': 'initial',
            'glCode': 'gl_code',
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
        {{ office_scoped_key('office_name', safe_integer('service_type_id')) }} as service_type_key,
        {{ safe_integer('service_type_id') }} as service_type_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ nullif_blank('description') }} as description,
        {{ safe_integer('frequency') }} as frequency,
        {{ safe_decimal('default_charge', 18, 2) }} as default_charge,
        {{ nullif_blank('category') }} as category,
        {{ safe_boolean('reservice') }} as reservice,
        {{ safe_integer('default_length') }} as default_length,
        {{ safe_decimal('default_initial_charge', 18, 2) }} as default_initial_charge,
        {{ safe_decimal('minimum_recurring_charge', 18, 2) }} as minimum_recurring_charge,
        {{ safe_boolean('regular_service') }} as regular_service,
        {{ safe_boolean('initial') }} as initial,
        {{ nullif_blank('gl_code') }} as gl_code,
        {{ safe_boolean('visible') }} as visible,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'service_type_key') }}

)

select * from final
