-- One row per current policy (`policy_key` = `<agency>-<PolicyId>`): the customer, carrier,
-- agent, line of business, term, premium and status, and the policy it renews. Current rows
-- only (doc block insurance_current_rows_rule); invalid values carried standardised with their
-- failed_rules (doc block insurance_validation_rule). Beside the source's fields: the term in
-- days, the annualized premium, the day a mid-term cancellation ended the policy, the end of
-- its time in force, its replacement and the outcome of its renewal (doc blocks
-- insurance_in_force_rule and insurance_renewal_outcome_rule), from the current policies,
-- renewals and terminations.

with

policies as (

    select * from {{ ref('stg_qqcatalyst__policies') }}
    where not is_deleted and not is_hard_deleted

),

renewals as (

    select * from {{ ref('stg_qqcatalyst__renewals') }}
    where not is_deleted and not is_hard_deleted

),

-- A rescinded termination never took effect.
terminations as (

    select * from {{ ref('stg_qqcatalyst__terminations') }}
    where
        not is_deleted
        and not is_hard_deleted
        and (status is null or status <> 'Rescinded')

),

-- The replacement of each policy: a current policy naming it as its prior policy, else the one a
-- renewal marked Renewed names, when that policy is current. The earliest to take effect wins.
replacement_candidates as (

    select
        prior_policy_key as policy_key,
        policy_key as renewal_policy_key,
        effective_date as renewal_effective_date,
        0 as source_rank

    from policies
    where prior_policy_key is not null

    union all

    select
        renewals.policy_key,
        renewals.new_policy_key as renewal_policy_key,
        replacement.effective_date as renewal_effective_date,
        1 as source_rank

    from renewals
    inner join policies as replacement
        on renewals.new_policy_key = replacement.policy_key
    where renewals.status = 'Renewed'

),

ranked_replacements as (

    select
        policy_key,
        renewal_policy_key,
        row_number() over (
            partition by policy_key
            order by source_rank, renewal_effective_date, renewal_policy_key
        ) as replacement_rank

    from replacement_candidates

),

replacements as (

    select
        policy_key,
        renewal_policy_key

    from ranked_replacements
    where replacement_rank = 1

),

renewal_decisions as (

    select
        policy_key,
        max(case when status = 'Renewed' then 1 else 0 end) as has_renewed_renewal,
        max(case when status in ('NonRenewed', 'Lapsed') then 1 else 0 end) as has_declined_renewal

    from renewals
    group by policy_key

),

termination_events as (

    select
        policy_key,
        -- A rewrite ends the policy mid-term too: a new policy replaces it, not as a renewal.
        min(
            case when termination_type in ('Cancellation', 'Rewrite') then termination_date end
        ) as first_cancellation_date,
        max(case when termination_type = 'NonRenewal' then 1 else 0 end) as has_non_renewal

    from terminations
    group by policy_key

),

joined as (

    select
        policies.*,
        replacements.renewal_policy_key,
        coalesce(renewal_decisions.has_renewed_renewal, 0) as has_renewed_renewal,
        coalesce(renewal_decisions.has_declined_renewal, 0) as has_declined_renewal,
        coalesce(termination_events.has_non_renewal, 0) as has_non_renewal,
        -- Cancelled before the term ran out: the cancellation's date, else (a Cancelled policy
        -- without a dated cancellation) the day the source last changed it, the latest it can
        -- have been cancelled.
        case
            when
                termination_events.first_cancellation_date is not null
                and (
                    policies.expiration_date is null
                    or termination_events.first_cancellation_date < policies.expiration_date
                )
                then termination_events.first_cancellation_date
            when
                policies.status = 'Cancelled'
                and (
                    policies.expiration_date is null
                    or cast(policies.date_last_modified as date) < policies.expiration_date
                )
                then cast(policies.date_last_modified as date)
        end as cancellation_date

    from policies
    left join replacements
        on policies.policy_key = replacements.policy_key
    left join renewal_decisions
        on policies.policy_key = renewal_decisions.policy_key
    left join termination_events
        on policies.policy_key = termination_events.policy_key

),

classified as (

    select
        *,
        case
            when cancellation_date is not null and cancellation_date < effective_date then effective_date
            when cancellation_date is not null then cancellation_date
            else expiration_date
        end as in_force_end_date,
        case
            when renewal_policy_key is not null or has_renewed_renewal = 1 or status = 'Renewed' then 'renewed'
            when status = 'Pending' then 'pending'
            when cancellation_date is not null or status = 'Cancelled' then 'cancelled'
            when
                has_declined_renewal = 1 or has_non_renewal = 1 or status in ('NonRenewed', 'Expired')
                then 'not_renewed'
            else 'pending'
        end as renewal_outcome

    from joined

),

final as (

    select
        cast(policy_key as varchar) as policy_key,
        cast(agency as varchar) as agency,
        cast(policy_id as bigint) as policy_id,
        cast(policy_number as varchar) as policy_number,
        cast(policy_guid as varchar) as policy_guid,
        cast(customer_key as varchar) as customer_key,
        cast(customer_id as bigint) as customer_id,
        cast(customer_name as varchar) as customer_name,
        cast(carrier_key as varchar) as carrier_key,
        cast(carrier_id as bigint) as carrier_id,
        cast(writing_carrier as varchar) as writing_carrier,
        cast(mga as varchar) as mga,
        cast(agent_key as varchar) as agent_key,
        cast(agent_id as bigint) as agent_id,
        cast(agent_name as varchar) as agent_name,
        cast(location_key as varchar) as location_key,
        cast(location_id as bigint) as location_id,
        cast(prior_policy_key as varchar) as prior_policy_key,
        cast(prior_policy_id as bigint) as prior_policy_id,
        cast(lob as varchar) as line_of_business,
        cast(lob_id as bigint) as line_of_business_id,
        cast(policy_type as varchar) as policy_type,
        cast(status as varchar) as policy_status,
        cast(effective_date as date) as effective_date,
        cast(expiration_date as date) as expiration_date,
        cast(term as integer) as term_months,
        cast({{ dbt.datediff('effective_date', 'expiration_date', 'day') }} as integer) as term_days,
        cast(total_premium as numeric(18, 2)) as total_premium,
        cast(
            case
                when {{ dbt.datediff('effective_date', 'expiration_date', 'day') }} > 0
                    then round(
                        total_premium * 365
                        / {{ dbt.datediff('effective_date', 'expiration_date', 'day') }},
                        2
                    )
            end as numeric(18, 2)
        ) as annualized_premium,
        cast(prior_policy_key is not null as boolean) as is_renewal_policy,
        cast(cancellation_date as date) as cancellation_date,
        cast(in_force_end_date as date) as in_force_end_date,
        cast(renewal_policy_key as varchar) as renewal_policy_key,
        cast(renewal_outcome as varchar) as renewal_outcome,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from classified

)

select * from final
