-- One row per current agency location (`location_key` = `<agency>-<LocationId>`): name, contact
-- details, address and whether it is active. Current rows only (doc block
-- insurance_current_rows_rule); invalid values carried standardised with their failed_rules (doc
-- block insurance_validation_rule).

with

locations as (

    select * from {{ ref('stg_qqcatalyst__locations') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(location_key as varchar) as location_key,
        cast(agency as varchar) as agency,
        cast(location_id as bigint) as location_id,
        cast(location_name as varchar) as location_name,
        cast(phone as varchar) as phone,
        cast(email as varchar) as email,
        cast(address_line1 as varchar) as address_line1,
        cast(address_line2 as varchar) as address_line2,
        cast(address_city as varchar) as address_city,
        cast(address_state as varchar) as address_state,
        cast(address_zip as varchar) as address_zip,
        cast(is_active as boolean) as is_active,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from locations

)

select * from final
