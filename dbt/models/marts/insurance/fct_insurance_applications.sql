-- One row per current application (`application_key` = `<agency>-<ApplicationId>`): a quote
-- submitted to its carrier, when, and what became of it (Submitted, Approved, Declined,
-- Withdrawn). Current rows only (doc block insurance_current_rows_rule); invalid values carried
-- standardised with their failed_rules (doc block insurance_validation_rule).

with

applications as (

    select * from {{ ref('stg_qqcatalyst__applications') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(application_key as varchar) as application_key,
        cast(agency as varchar) as agency,
        cast(application_id as bigint) as application_id,
        cast(quote_key as varchar) as quote_key,
        cast(quote_id as bigint) as quote_id,
        cast(customer_key as varchar) as customer_key,
        cast(customer_id as bigint) as customer_id,
        cast(carrier_key as varchar) as carrier_key,
        cast(carrier_id as bigint) as carrier_id,
        cast(submitted_date as date) as submitted_date,
        cast(status as varchar) as application_status,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from applications

)

select * from final
