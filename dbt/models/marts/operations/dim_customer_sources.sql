-- One row per customer source (marketing channel) per office.

with

customer_sources as (

    select * from {{ ref('stg_pestroutes__customer_sources') }}

),

final as (

    select
        cast(customer_sources.customer_source_key as varchar) as customer_source_key,
        cast(customer_sources.customer_source_id as bigint) as customer_source_id,
        cast(customer_sources.office_name as varchar) as office_name,
        cast(customer_sources.source as varchar) as customer_source,
        cast(coalesce(customer_sources.deals_source, false) as boolean) as is_door_to_door,
        cast(coalesce(customer_sources.visible, false) as boolean) as is_visible

    from customer_sources

)

select * from final
