-- One row per policy per as-of date (doc block insurance_non_renewal_as_of_rule): every month end
-- on which the policy was in force, from its effective date to its expiration (or an earlier
-- cancellation), within its agency's data (from its first record to its newest change). Every feature is computed only from
-- what was known at the end of the as-of date (doc block insurance_non_renewal_point_in_time_rule):
-- claims reported by then, bills past due by then, fees and commission statements dated by then,
-- the customer's policies, renewals and cancellations up to then, quotes given by then; never a
-- row's current status or amount where it can change after the as-of date. The label (doc block
-- insurance_non_renewal_label_rule): the policy was not renewed at its expiration, attached only
-- to as-of dates before that outcome was known. Current rows only (fct_insurance_*).

with

policies as (

    select * from {{ ref('fct_insurance_policies') }}

),

policy_details as (

    select * from {{ ref('fct_insurance_policy_details') }}

),

claims as (

    select * from {{ ref('fct_insurance_claims') }}

),

billing_records as (

    select * from {{ ref('fct_insurance_billing_records') }}

),

commissions as (

    select * from {{ ref('fct_insurance_commissions') }}

),

fees as (

    select * from {{ ref('fct_insurance_fees') }}

),

quotes as (

    select * from {{ ref('fct_insurance_quotes') }}

),

terminations as (

    select * from {{ ref('fct_insurance_terminations') }}

),

-- How far each agency's data reaches: from the day its first policy was created in QQCatalyst
-- (before it the agency kept its book elsewhere: nothing was known here) to the newest day one
-- was changed.
agency_data_dates as (

    select
        agency,
        cast(min(created_on) as date) as data_from_date,
        cast(max(date_last_modified) as date) as data_through_date

    from policies
    group by agency

),

-- Bound policies with a valid term: the ones that can be in force on a date.
termed_policies as (

    select * from policies
    where
        (policy_status is null or policy_status <> 'Pending')
        and effective_date is not null
        and expiration_date > effective_date

),

month_bounds as (

    select
        cast({{ dbt.date_trunc('month', 'min(data_from_date)') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', 'max(data_through_date)') }} as date) as last_month

    from agency_data_dates

),

as_of_dates as (

    select cast({{ dbt.last_day('month_starts.month_start', 'month') }} as date) as as_of_date
    from (
        {{ month_start_spine(
            '(select month_bounds.first_month from month_bounds)',
            '(select month_bounds.last_month from month_bounds)'
        ) }}
    ) as month_starts
    where month_starts.month_start is not null

),

policies_as_of as (

    select
        termed_policies.*,
        as_of_dates.as_of_date,
        cast({{ dbt.dateadd('day', -365, 'as_of_dates.as_of_date') }} as date) as trailing_365_days_start,
        cast({{ dbt.dateadd('day', -90, 'as_of_dates.as_of_date') }} as date) as trailing_90_days_start

    from termed_policies
    inner join agency_data_dates
        on termed_policies.agency = agency_data_dates.agency
    inner join as_of_dates
        on
            as_of_dates.as_of_date >= termed_policies.effective_date
            and as_of_dates.as_of_date < termed_policies.expiration_date
            and as_of_dates.as_of_date >= agency_data_dates.data_from_date
            and as_of_dates.as_of_date <= agency_data_dates.data_through_date
            and (termed_policies.cancellation_date is null or termed_policies.cancellation_date > as_of_dates.as_of_date)

),

-- The customer's policies as of the date: started by then, in force then, renewal terms
-- started by then, cancellations by then.
customer_features as (

    select
        policies_as_of.policy_key,
        policies_as_of.as_of_date,
        min(customer_policies.effective_date) as customer_first_effective_date,
        sum(
            case when customer_policies.in_force_end_date > policies_as_of.as_of_date then 1 else 0 end
        ) as customer_policies_in_force,
        count(
            distinct case
                when customer_policies.in_force_end_date > policies_as_of.as_of_date
                    then customer_policies.line_of_business
            end
        ) as customer_lines_in_force,
        sum(case when customer_policies.is_renewal_policy then 1 else 0 end) as customer_renewal_terms_before,
        sum(
            case when customer_policies.cancellation_date <= policies_as_of.as_of_date then 1 else 0 end
        ) as customer_cancellations_before

    from policies_as_of
    inner join termed_policies as customer_policies
        on
            policies_as_of.customer_key = customer_policies.customer_key
            and customer_policies.effective_date <= policies_as_of.as_of_date
    group by policies_as_of.policy_key, policies_as_of.as_of_date

),

-- A claim is known from its report date (its creation day when that is missing); a closed or
-- denied claim is closed from its close date (else the day the source last changed it).
claim_events as (

    select
        policy_key,
        customer_key,
        coalesce(reported_date, cast(created_on as date)) as known_on,
        case
            when claim_status in ('Closed', 'Denied') then coalesce(closed_date, cast(date_last_modified as date))
        end as closed_on

    from claims

),

policy_claim_features as (

    select
        policies_as_of.policy_key,
        policies_as_of.as_of_date,
        count(*) as claims_before,
        sum(
            case when claim_events.known_on > policies_as_of.trailing_365_days_start then 1 else 0 end
        ) as claims_last_365_days,
        sum(
            case
                when claim_events.closed_on is null or claim_events.closed_on > policies_as_of.as_of_date then 1
                else 0
            end
        ) as open_claims,
        max(claim_events.known_on) as last_claim_on

    from policies_as_of
    inner join claim_events
        on
            policies_as_of.policy_key = claim_events.policy_key
            and claim_events.known_on <= policies_as_of.as_of_date
    group by policies_as_of.policy_key, policies_as_of.as_of_date

),

customer_claim_features as (

    select
        policies_as_of.policy_key,
        policies_as_of.as_of_date,
        count(*) as customer_claims_before

    from policies_as_of
    inner join claim_events
        on
            policies_as_of.customer_key = claim_events.customer_key
            and claim_events.known_on <= policies_as_of.as_of_date
    group by policies_as_of.policy_key, policies_as_of.as_of_date

),

-- A bill is settled (paid or voided) from the day the source last changed it: its status now
-- says it was settled by then at the latest, so a bill settled after the as-of date still
-- counts as unsettled on it.
bill_events as (

    select
        policy_key,
        billing_date,
        due_date,
        amount,
        case
            when billing_status in ('Paid', 'Void') then cast(date_last_modified as date)
        end as settled_on

    from billing_records

),

billing_features as (

    select
        policies_as_of.policy_key,
        policies_as_of.as_of_date,
        sum(case when bill_events.billing_date <= policies_as_of.as_of_date then 1 else 0 end) as bills_before,
        sum(
            case
                when
                    bill_events.due_date < policies_as_of.as_of_date
                    and (bill_events.settled_on is null or bill_events.settled_on > policies_as_of.as_of_date)
                    then 1
                else 0
            end
        ) as past_due_bills,
        sum(
            case
                when
                    bill_events.due_date < policies_as_of.as_of_date
                    and (bill_events.settled_on is null or bill_events.settled_on > policies_as_of.as_of_date)
                    then bill_events.amount
                else 0
            end
        ) as past_due_amount

    from policies_as_of
    inner join bill_events
        on
            policies_as_of.policy_key = bill_events.policy_key
            and (
                bill_events.billing_date <= policies_as_of.as_of_date
                or bill_events.due_date < policies_as_of.as_of_date
            )
    group by policies_as_of.policy_key, policies_as_of.as_of_date

),

fee_features as (

    select
        policies_as_of.policy_key,
        policies_as_of.as_of_date,
        sum(case when fees.fee_type = 'Late' then 1 else 0 end) as late_fees_before,
        sum(case when fees.fee_type = 'Late' then fees.amount else 0 end) as late_fee_amount_before

    from policies_as_of
    inner join fees
        on
            policies_as_of.policy_key = fees.policy_key
            and fees.fee_date <= policies_as_of.as_of_date
    group by policies_as_of.policy_key, policies_as_of.as_of_date

),

-- Statement lines dated by the as-of date, less those reversed by then (a reversal is dated
-- by the day the source last changed the line, as for bills).
commission_features as (

    select
        policies_as_of.policy_key,
        policies_as_of.as_of_date,
        sum(
            case
                when
                    commissions.commission_status = 'Reversed'
                    and cast(commissions.date_last_modified as date) <= policies_as_of.as_of_date
                    then 0
                else commissions.amount
            end
        ) as commission_amount_before

    from policies_as_of
    inner join commissions
        on
            policies_as_of.policy_key = commissions.policy_key
            and commissions.statement_date <= policies_as_of.as_of_date
    group by policies_as_of.policy_key, policies_as_of.as_of_date

),

quote_features as (

    select
        policies_as_of.policy_key,
        policies_as_of.as_of_date,
        count(*) as customer_quotes_last_90_days

    from policies_as_of
    inner join quotes
        on
            policies_as_of.customer_key = quotes.customer_key
            and quotes.quote_date <= policies_as_of.as_of_date
            and quotes.quote_date > policies_as_of.trailing_90_days_start
    group by policies_as_of.policy_key, policies_as_of.as_of_date

),

-- When each policy's outcome became known (doc block insurance_non_renewal_label_rule): its
-- replacement entered, or a non-renewal notice entered, else its expiration.
outcome_evidence as (

    select
        expiring.policy_key,
        cast(replacement.created_on as date) as decided_on

    from policies as expiring
    inner join policies as replacement
        on expiring.renewal_policy_key = replacement.policy_key

    union all

    select
        policy_key,
        cast(created_on as date) as decided_on

    from terminations
    where
        termination_type = 'NonRenewal'
        and (termination_status is null or termination_status <> 'Rescinded')

),

outcomes as (

    select
        termed_policies.policy_key,
        case
            when min(outcome_evidence.decided_on) < termed_policies.expiration_date
                then min(outcome_evidence.decided_on)
            else termed_policies.expiration_date
        end as outcome_known_on

    from termed_policies
    left join outcome_evidence
        on termed_policies.policy_key = outcome_evidence.policy_key
    group by termed_policies.policy_key, termed_policies.expiration_date

),

final as (

    select
        cast(policies_as_of.policy_key as varchar) as policy_key,
        cast(policies_as_of.as_of_date as date) as as_of_date,
        cast(policies_as_of.agency as varchar) as agency,
        cast(policies_as_of.customer_key as varchar) as customer_key,
        cast(policies_as_of.carrier_key as varchar) as carrier_key,
        cast(policies_as_of.line_of_business as varchar) as line_of_business,
        cast(policies_as_of.policy_type as varchar) as policy_type,
        cast(policies_as_of.term_months as integer) as term_months,
        cast(policies_as_of.total_premium as numeric(18, 2)) as total_premium,
        cast(policies_as_of.annualized_premium as numeric(18, 2)) as annualized_premium,
        cast(policies_as_of.is_renewal_policy as boolean) as is_renewal_policy,
        cast(policy_details.billing_method as varchar) as billing_method,
        cast(policy_details.payment_plan as varchar) as payment_plan,
        cast(policy_details.commission_percent as numeric(9, 4)) as commission_percent,
        cast(
            {{ dbt.datediff('policies_as_of.effective_date', 'policies_as_of.as_of_date', 'day') }} as integer
        ) as policy_age_days,
        cast(
            {{ dbt.datediff('policies_as_of.as_of_date', 'policies_as_of.expiration_date', 'day') }} as integer
        ) as days_to_expiration,
        cast(
            {{ dbt.datediff('customer_features.customer_first_effective_date', 'policies_as_of.as_of_date', 'day') }}
            as integer
        ) as customer_tenure_days,
        cast(coalesce(customer_features.customer_policies_in_force, 0) as integer) as customer_policies_in_force,
        cast(coalesce(customer_features.customer_lines_in_force, 0) as integer) as customer_lines_in_force,
        cast(coalesce(customer_features.customer_renewal_terms_before, 0) as integer) as customer_renewal_terms_before,
        cast(coalesce(customer_features.customer_cancellations_before, 0) as integer) as customer_cancellations_before,
        cast(coalesce(policy_claim_features.claims_before, 0) as integer) as claims_before,
        cast(coalesce(policy_claim_features.claims_last_365_days, 0) as integer) as claims_last_365_days,
        cast(coalesce(policy_claim_features.open_claims, 0) as integer) as open_claims,
        cast(
            {{ dbt.datediff('policy_claim_features.last_claim_on', 'policies_as_of.as_of_date', 'day') }} as integer
        ) as days_since_last_claim,
        cast(coalesce(customer_claim_features.customer_claims_before, 0) as integer) as customer_claims_before,
        cast(coalesce(billing_features.bills_before, 0) as integer) as bills_before,
        cast(coalesce(billing_features.past_due_bills, 0) as integer) as past_due_bills,
        cast(coalesce(billing_features.past_due_amount, 0) as numeric(18, 2)) as past_due_amount,
        cast(coalesce(fee_features.late_fees_before, 0) as integer) as late_fees_before,
        cast(coalesce(fee_features.late_fee_amount_before, 0) as numeric(18, 2)) as late_fee_amount_before,
        cast(coalesce(commission_features.commission_amount_before, 0) as numeric(18, 2)) as commission_amount_before,
        cast(coalesce(quote_features.customer_quotes_last_90_days, 0) as integer) as customer_quotes_last_90_days,
        cast(policies_as_of.renewal_outcome as varchar) as renewal_outcome,
        cast(outcomes.outcome_known_on as date) as outcome_known_on,
        cast(
            case
                when policies_as_of.as_of_date >= outcomes.outcome_known_on then null
                when policies_as_of.renewal_outcome = 'not_renewed' then true
                when policies_as_of.renewal_outcome = 'renewed' then false
            end as boolean
        ) as was_not_renewed,
        cast(
            policies_as_of.as_of_date < outcomes.outcome_known_on
            and policies_as_of.renewal_outcome in ('renewed', 'not_renewed')
            as boolean
        ) as label_is_known

    from policies_as_of
    inner join outcomes
        on policies_as_of.policy_key = outcomes.policy_key
    left join policy_details
        on policies_as_of.policy_key = policy_details.policy_key
    left join customer_features
        on
            policies_as_of.policy_key = customer_features.policy_key
            and policies_as_of.as_of_date = customer_features.as_of_date
    left join policy_claim_features
        on
            policies_as_of.policy_key = policy_claim_features.policy_key
            and policies_as_of.as_of_date = policy_claim_features.as_of_date
    left join customer_claim_features
        on
            policies_as_of.policy_key = customer_claim_features.policy_key
            and policies_as_of.as_of_date = customer_claim_features.as_of_date
    left join billing_features
        on
            policies_as_of.policy_key = billing_features.policy_key
            and policies_as_of.as_of_date = billing_features.as_of_date
    left join fee_features
        on
            policies_as_of.policy_key = fee_features.policy_key
            and policies_as_of.as_of_date = fee_features.as_of_date
    left join commission_features
        on
            policies_as_of.policy_key = commission_features.policy_key
            and policies_as_of.as_of_date = commission_features.as_of_date
    left join quote_features
        on
            policies_as_of.policy_key = quote_features.policy_key
            and policies_as_of.as_of_date = quote_features.as_of_date

)

select * from final
