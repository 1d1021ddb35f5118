-- One row per agency the warehouse reads (`agency_key` = `<agency>-<AgencyId>`): its name, GUID,
-- contact details and address as the API's Agency record has them now. Current rows only (doc
-- block insurance_current_rows_rule); a value that failed validation is carried standardised
-- (NULL when unrecoverable) with its rule in failed_rules (doc block insurance_validation_rule).

with

agencies as (

    select * from {{ ref('stg_qqcatalyst__agencies') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(agency_key as varchar) as agency_key,
        cast(agency as varchar) as agency,
        cast(agency_id as bigint) as agency_id,
        cast(agency_name as varchar) as agency_name,
        cast(agency_guid as varchar) as agency_guid,
        cast(phone as varchar) as phone,
        cast(email as varchar) as email,
        cast(address_line1 as varchar) as address_line1,
        cast(address_line2 as varchar) as address_line2,
        cast(address_city as varchar) as address_city,
        cast(address_state as varchar) as address_state,
        cast(address_zip as varchar) as address_zip,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from agencies

)

select * from final
