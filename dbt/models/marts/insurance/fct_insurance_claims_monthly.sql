-- Claims experience per agency, calendar month, carrier and line of business (doc block
-- insurance_claims_rule): the claims whose loss happened in the month (accident month; the
-- report date when the loss date is missing), their paid, reserved and incurred amounts as the
-- source has them now, the month's exposure and earned premium from
-- fct_insurance_book_of_business_monthly, and claim frequency (claims per policy exposed),
-- severity (incurred per claim) and loss ratio (incurred / earned premium). A month is listed
-- for a carrier and line with exposure or a claim in it. Claims on policies that are no longer
-- current have no carrier or line here and are left out, as are claims with neither a valid
-- loss nor a valid report date.

with

claims as (

    select * from {{ ref('fct_insurance_claims') }}

),

policies as (

    select * from {{ ref('fct_insurance_policies') }}

),

book as (

    select * from {{ ref('fct_insurance_book_of_business_monthly') }}

),

carriers as (

    select * from {{ ref('dim_insurance_carriers') }}

),

claim_months as (

    select
        claims.agency,
        cast({{ dbt.date_trunc('month', 'coalesce(claims.loss_date, claims.reported_date)') }} as date) as month_start,
        policies.carrier_key,
        coalesce(policies.line_of_business, 'Unknown') as line_of_business,
        count(*) as claim_count,
        sum(case when claims.is_open then 1 else 0 end) as open_claim_count,
        sum(case when claims.claim_status = 'Denied' then 1 else 0 end) as denied_claim_count,
        sum(claims.paid_amount) as paid_amount,
        sum(claims.reserve_amount) as reserve_amount,
        sum(claims.incurred_amount) as incurred_amount

    from claims
    inner join policies
        on claims.policy_key = policies.policy_key
    where coalesce(claims.loss_date, claims.reported_date) is not null
    group by
        claims.agency,
        cast({{ dbt.date_trunc('month', 'coalesce(claims.loss_date, claims.reported_date)') }} as date),
        policies.carrier_key,
        coalesce(policies.line_of_business, 'Unknown')

),

-- The book's carriers and lines plus any a claim names without exposure in its month.
cells as (

    select agency, month_start, carrier_key, line_of_business from book
    union
    select agency, month_start, carrier_key, line_of_business from claim_months

),

monthly as (

    select
        cells.agency,
        cells.month_start,
        cells.carrier_key,
        cells.line_of_business,
        coalesce(book.policies_exposed, 0) as policies_exposed,
        coalesce(book.earned_premium, 0) as earned_premium,
        coalesce(claim_months.claim_count, 0) as claim_count,
        coalesce(claim_months.open_claim_count, 0) as open_claim_count,
        coalesce(claim_months.denied_claim_count, 0) as denied_claim_count,
        coalesce(claim_months.paid_amount, 0) as paid_amount,
        coalesce(claim_months.reserve_amount, 0) as reserve_amount,
        coalesce(claim_months.incurred_amount, 0) as incurred_amount

    from cells
    left join book
        on
            cells.agency = book.agency
            and cells.month_start = book.month_start
            and cells.carrier_key = book.carrier_key
            and cells.line_of_business = book.line_of_business
    left join claim_months
        on
            cells.agency = claim_months.agency
            and cells.month_start = claim_months.month_start
            and cells.carrier_key = claim_months.carrier_key
            and cells.line_of_business = claim_months.line_of_business

),

final as (

    select
        cast(monthly.agency as varchar) as agency,
        cast(monthly.month_start as date) as month_start,
        cast(monthly.carrier_key as varchar) as carrier_key,
        cast(carriers.carrier_name as varchar) as carrier_name,
        cast(monthly.line_of_business as varchar) as line_of_business,
        cast(monthly.policies_exposed as integer) as policies_exposed,
        cast(monthly.earned_premium as numeric(18, 2)) as earned_premium,
        cast(monthly.claim_count as integer) as claim_count,
        cast(monthly.open_claim_count as integer) as open_claim_count,
        cast(monthly.denied_claim_count as integer) as denied_claim_count,
        cast(monthly.paid_amount as numeric(18, 2)) as paid_amount,
        cast(monthly.reserve_amount as numeric(18, 2)) as reserve_amount,
        cast(monthly.incurred_amount as numeric(18, 2)) as incurred_amount,
        cast(
            case
                when monthly.policies_exposed > 0
                    then cast(monthly.claim_count as numeric(18, 4)) / monthly.policies_exposed
            end as numeric(9, 4)
        ) as claim_frequency,
        cast(
            case when monthly.claim_count > 0 then monthly.incurred_amount / monthly.claim_count end
            as numeric(18, 2)
        ) as claim_severity,
        cast(
            case when monthly.earned_premium > 0 then monthly.incurred_amount / monthly.earned_premium end
            as numeric(18, 4)
        ) as loss_ratio

    from monthly
    left join carriers
        on monthly.carrier_key = carriers.carrier_key

)

select * from final
