-- The loader reloads service_types whole for each office every run (no cursor), so this is a
-- view over RAW (materialization from dbt_project.yml); the dedup only guards against overlap.

with

source as (

    select * from {{ source('pestroutes', 'service_types') }}

),

renamed as (

    select
        {{ json_text('record', 'typeID') }} as service_type_id,
        {{ json_text('record', 'officeID') }} as office_id,
        {{ json_text('record', 'description') }} as description,
        {{ json_text('record', 'frequency') }} as frequency,
        {{ json_text('record', 'defaultCharge') }} as default_charge,
        {{ json_text('record', 'category') }} as category,
        {{ json_text('record', 'reservice') }} as reservice,
        {{ json_text('record', 'defaultLength') }} as default_length,
        {{ json_text('record', 'defaultInitialCharge') }} as default_initial_charge,
        {{ json_text('record', 'minimumRecurringCharge') }} as minimum_recurring_charge,
        {{ json_text('record', 'regularService') }} as regular_service,
        {{ json_text('record', 'initial') }} as initial,
        {{ json_text('record', 'glCode') }} as gl_code,
        {{ json_text('record', 'visible') }} as visible,
        _office as office_name,
        coalesce(
            _office_timezone,
            '{{ var("pestroutes_default_timezone", "America/Los_Angeles") }}'
        ) as office_timezone,
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

deduplicated as (

    select
        *,
        row_number() over (
            partition by service_type_key
            order by extracted_at desc, dlt_load_id desc
        ) as version_rank

    from typed

),

final as (

    select
        service_type_key,
        service_type_id,
        office_id,
        description,
        frequency,
        default_charge,
        category,
        reservice,
        default_length,
        default_initial_charge,
        minimum_recurring_charge,
        regular_service,
        initial,
        gl_code,
        visible,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from deduplicated
    where
        version_rank = 1

)

select * from final
