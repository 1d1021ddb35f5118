-- One row per current carrier (`carrier_key` = `<agency>-<CarrierId>`): the insurance companies
-- the agency writes policies with, their NAIC code, state, contact details and whether the
-- agency still works with them. Current rows only (doc block insurance_current_rows_rule);
-- invalid values carried standardised with their failed_rules (doc block
-- insurance_validation_rule).

with

carriers as (

    select * from {{ ref('stg_qqcatalyst__carriers') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(carrier_key as varchar) as carrier_key,
        cast(agency as varchar) as agency,
        cast(carrier_id as bigint) as carrier_id,
        cast(carrier_name as varchar) as carrier_name,
        cast(naic_code as varchar) as naic_code,
        cast(state as varchar) as state,
        cast(phone as varchar) as phone,
        cast(email as varchar) as email,
        cast(is_active as boolean) as is_active,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from carriers

)

select * from final
