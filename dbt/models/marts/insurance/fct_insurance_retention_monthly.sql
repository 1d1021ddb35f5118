-- Renewal retention per agency, month of expiration, carrier and line of business (doc block
-- insurance_retention_rule): the policies that came up for renewal in the month (their term ran
-- out in it) and what became of them: renewed, not renewed, or not known yet; the renewal rate
-- and the premium retained. From fct_insurance_policies (current policies; the outcome is its
-- renewal_outcome, doc block insurance_renewal_outcome_rule). Policies cancelled before their
-- expiration never came up for renewal, policies still Pending were never bound, and policies
-- without a valid expiration date cannot be placed in a month: all are left out. Months run
-- from the first expiration to the last one on the books, upcoming months included (their
-- outcomes are mostly still pending).

with

policies as (

    select * from {{ ref('fct_insurance_policies') }}

),

carriers as (

    select * from {{ ref('dim_insurance_carriers') }}

),

up_for_renewal as (

    select
        expiring.agency,
        cast({{ dbt.date_trunc('month', 'expiring.expiration_date') }} as date) as month_start,
        expiring.carrier_key,
        coalesce(expiring.line_of_business, 'Unknown') as line_of_business,
        expiring.renewal_outcome,
        expiring.total_premium as expiring_premium,
        replacement.total_premium as renewal_premium

    from policies as expiring
    left join policies as replacement
        on expiring.renewal_policy_key = replacement.policy_key
    where
        expiring.expiration_date is not null
        and expiring.renewal_outcome in ('renewed', 'not_renewed', 'pending')
        and (expiring.policy_status is null or expiring.policy_status <> 'Pending')

),

monthly as (

    select
        agency,
        month_start,
        carrier_key,
        line_of_business,
        count(*) as policies_up_for_renewal,
        sum(case when renewal_outcome = 'renewed' then 1 else 0 end) as policies_renewed,
        sum(case when renewal_outcome = 'not_renewed' then 1 else 0 end) as policies_not_renewed,
        sum(case when renewal_outcome = 'pending' then 1 else 0 end) as policies_pending,
        sum(expiring_premium) as expiring_premium,
        sum(case when renewal_outcome = 'renewed' then expiring_premium else 0 end) as renewed_expiring_premium,
        sum(case when renewal_outcome = 'renewed' then renewal_premium else 0 end) as renewal_premium

    from up_for_renewal
    group by agency, month_start, carrier_key, line_of_business

),

final as (

    select
        cast(monthly.agency as varchar) as agency,
        cast(monthly.month_start as date) as month_start,
        cast(monthly.carrier_key as varchar) as carrier_key,
        cast(carriers.carrier_name as varchar) as carrier_name,
        cast(monthly.line_of_business as varchar) as line_of_business,
        cast(monthly.policies_up_for_renewal as integer) as policies_up_for_renewal,
        cast(monthly.policies_renewed as integer) as policies_renewed,
        cast(monthly.policies_not_renewed as integer) as policies_not_renewed,
        cast(monthly.policies_pending as integer) as policies_pending,
        cast(
            cast(monthly.policies_renewed as numeric(18, 4)) / monthly.policies_up_for_renewal as numeric(9, 4)
        ) as renewal_rate,
        cast(
            case
                when monthly.policies_renewed + monthly.policies_not_renewed > 0
                    then cast(monthly.policies_renewed as numeric(18, 4))
                    / (monthly.policies_renewed + monthly.policies_not_renewed)
            end as numeric(9, 4)
        ) as decided_renewal_rate,
        cast(coalesce(monthly.expiring_premium, 0) as numeric(18, 2)) as expiring_premium,
        cast(coalesce(monthly.renewed_expiring_premium, 0) as numeric(18, 2)) as renewed_expiring_premium,
        cast(coalesce(monthly.renewal_premium, 0) as numeric(18, 2)) as renewal_premium,
        cast(
            case
                when monthly.expiring_premium > 0
                    then coalesce(monthly.renewal_premium, 0) / monthly.expiring_premium
            end as numeric(9, 4)
        ) as premium_retention_rate

    from monthly
    left join carriers
        on monthly.carrier_key = carriers.carrier_key

)

select * from final
