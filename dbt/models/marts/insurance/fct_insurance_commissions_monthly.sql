-- Commissions per agency, statement month, carrier and commission type (doc block
-- insurance_commissions_rule): how many commission lines the carrier's statements of the month
-- hold and their amounts by status (paid, pending, reversed), the net commission (not
-- reversed), the premium of the policies it was paid on and the effective rate, and what the
-- carrier's commission rules call for against what it paid (the variance). From
-- fct_insurance_commissions (current rows); the month is the statement date's (the record's
-- creation day when the statement date is missing), a type that failed validation counts as
-- `Unknown`, an amount that failed validation as unknown.

with

commissions as (

    select * from {{ ref('fct_insurance_commissions') }}

),

policies as (

    select * from {{ ref('fct_insurance_policies') }}

),

commission_rules as (

    select * from {{ ref('fct_insurance_commission_rules') }}

),

carriers as (

    select * from {{ ref('dim_insurance_carriers') }}

),

commission_lines as (

    select
        commissions.agency,
        cast(
            {{ dbt.date_trunc('month', 'coalesce(commissions.statement_date, cast(commissions.created_on as date))') }}
            as date
        ) as month_start,
        commissions.carrier_key,
        coalesce(commissions.commission_type, 'Unknown') as commission_type,
        commissions.commission_status,
        coalesce(commissions.commission_status = 'Reversed', false) as is_reversed,
        commissions.amount,
        policies.total_premium as policy_premium,
        -- What the rule pays on the policy's premium: the new-business rate or the renewal rate.
        case
            when commissions.commission_type = 'NewBusiness' then commission_rules.new_business_rate
            when commissions.commission_type = 'Renewal' then commission_rules.renewal_rate
        end as rule_rate

    from commissions
    left join policies
        on commissions.policy_key = policies.policy_key
    left join commission_rules
        on commissions.commission_rule_key = commission_rules.commission_rule_key
    where coalesce(commissions.statement_date, cast(commissions.created_on as date)) is not null

),

-- The lines the rule can be checked on: not reversed, amount, premium and rate known.
rated_lines as (

    select
        *,
        not is_reversed and amount is not null and policy_premium is not null and rule_rate is not null
        as is_rated

    from commission_lines

),

monthly as (

    select
        agency,
        month_start,
        carrier_key,
        commission_type,
        count(*) as commission_count,
        sum(case when is_reversed then 0 else 1 end) as net_commission_count,
        sum(case when is_reversed then 0 else amount end) as net_commission_amount,
        sum(case when commission_status = 'Paid' then amount else 0 end) as paid_amount,
        sum(case when commission_status = 'Pending' then amount else 0 end) as pending_amount,
        sum(case when is_reversed then amount else 0 end) as reversed_amount,
        -- The premium behind the net commission: of the lines not reversed whose amount is known.
        sum(case when not is_reversed and amount is not null then policy_premium else 0 end) as commissioned_premium,
        -- What the rules call for on the rated lines, and what those lines paid.
        sum(case when is_rated then round(policy_premium * rule_rate, 2) else 0 end) as expected_commission_amount,
        sum(case when is_rated then amount else 0 end) as rated_commission_amount

    from rated_lines
    group by agency, month_start, carrier_key, commission_type

),

final as (

    select
        cast(monthly.agency as varchar) as agency,
        cast(monthly.month_start as date) as month_start,
        cast(monthly.carrier_key as varchar) as carrier_key,
        cast(carriers.carrier_name as varchar) as carrier_name,
        cast(monthly.commission_type as varchar) as commission_type,
        cast(monthly.commission_count as integer) as commission_count,
        cast(monthly.net_commission_count as integer) as net_commission_count,
        cast(coalesce(monthly.net_commission_amount, 0) as numeric(18, 2)) as net_commission_amount,
        cast(coalesce(monthly.paid_amount, 0) as numeric(18, 2)) as paid_amount,
        cast(coalesce(monthly.pending_amount, 0) as numeric(18, 2)) as pending_amount,
        cast(coalesce(monthly.reversed_amount, 0) as numeric(18, 2)) as reversed_amount,
        cast(coalesce(monthly.commissioned_premium, 0) as numeric(18, 2)) as commissioned_premium,
        cast(
            case
                when monthly.commissioned_premium > 0
                    then monthly.net_commission_amount / monthly.commissioned_premium
            end as numeric(9, 4)
        ) as effective_commission_rate,
        cast(coalesce(monthly.expected_commission_amount, 0) as numeric(18, 2)) as expected_commission_amount,
        cast(
            coalesce(monthly.rated_commission_amount, 0) - coalesce(monthly.expected_commission_amount, 0)
            as numeric(18, 2)
        ) as commission_variance_amount

    from monthly
    left join carriers
        on monthly.carrier_key = carriers.carrier_key

)

select * from final
