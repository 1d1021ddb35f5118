-- One row per sales/service region per office.

with

regions as (

    select * from {{ ref('stg_pestroutes__regions') }}

),

final as (

    select
        cast(regions.region_key as varchar) as region_key,
        cast(regions.region_id as bigint) as region_id,
        cast(regions.office_name as varchar) as office_name,
        cast(regions.region as varchar) as region_name,
        cast(regions.created as timestamp) as created_at,
        cast(coalesce(regions.deleted, false) as boolean) as is_deleted

    from regions

)

select * from final
