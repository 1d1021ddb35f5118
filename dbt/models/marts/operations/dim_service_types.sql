-- One row per service type per office (each office keeps its own catalogue and prices).

with

service_types as (

    select * from {{ ref('stg_pestroutes__service_types') }}

),

final as (

    select
        cast(service_types.service_type_key as varchar) as service_type_key,
        cast(service_types.service_type_id as bigint) as service_type_id,
        cast(service_types.office_name as varchar) as office_name,
        cast(service_types.description as varchar) as service_type_name,
        cast(service_types.category as varchar) as service_category,
        cast(service_types.frequency as integer) as service_frequency_days,
        cast(service_types.default_length as integer) as default_duration_minutes,
        cast(service_types.default_charge as numeric(18, 2)) as default_recurring_charge,
        cast(service_types.default_initial_charge as numeric(18, 2)) as default_initial_charge,
        cast(service_types.minimum_recurring_charge as numeric(18, 2)) as minimum_recurring_charge,
        cast(coalesce(service_types.regular_service, false) as boolean) as is_regular_service,
        cast(coalesce(service_types.initial, false) as boolean) as is_initial_service,
        cast(coalesce(service_types.reservice, false) as boolean) as is_reservice,
        cast(coalesce(service_types.visible, false) as boolean) as is_visible,
        cast(service_types.gl_code as varchar) as gl_code

    from service_types

)

select * from final
