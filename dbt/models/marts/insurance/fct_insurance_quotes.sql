-- One row per current quote (`quote_key` = `<agency>-<QuoteId>`): the customer, line of
-- business, carrier, quoted premium, dates and status (Open, Sold, Lost, Expired). Current rows
-- only (doc block insurance_current_rows_rule); invalid values carried standardised with their
-- failed_rules (doc block insurance_validation_rule).

with

quotes as (

    select * from {{ ref('stg_qqcatalyst__quotes') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(quote_key as varchar) as quote_key,
        cast(agency as varchar) as agency,
        cast(quote_id as bigint) as quote_id,
        cast(customer_key as varchar) as customer_key,
        cast(customer_id as bigint) as customer_id,
        cast(carrier_key as varchar) as carrier_key,
        cast(carrier_id as bigint) as carrier_id,
        cast(lob as varchar) as line_of_business,
        cast(quoted_premium as numeric(18, 2)) as quoted_premium,
        cast(quote_date as date) as quote_date,
        cast(expiration_date as date) as expiration_date,
        cast(status as varchar) as quote_status,
        cast(quote_guid as varchar) as quote_guid,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from quotes

)

select * from final
