-- One row per current claim (`claim_key` = `<agency>-<ClaimId>`): the policy it is made on (and
-- from the policy, when current: the customer, carrier and line of business), the claim number,
-- loss, report and close dates, status, the amounts paid and reserved and their sum, the
-- incurred loss (doc block insurance_claims_rule), and the claimant's contact details. Current
-- rows only (doc block insurance_current_rows_rule); invalid values carried standardised with
-- their failed_rules (doc block insurance_validation_rule).

with

claims as (

    select * from {{ ref('stg_qqcatalyst__claims') }}
    where not is_deleted and not is_hard_deleted

),

policies as (

    select * from {{ ref('stg_qqcatalyst__policies') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(claims.claim_key as varchar) as claim_key,
        cast(claims.agency as varchar) as agency,
        cast(claims.claim_id as bigint) as claim_id,
        cast(claims.claim_number as varchar) as claim_number,
        cast(claims.policy_key as varchar) as policy_key,
        cast(claims.policy_id as bigint) as policy_id,
        cast(policies.customer_key as varchar) as customer_key,
        cast(policies.carrier_key as varchar) as carrier_key,
        cast(policies.lob as varchar) as line_of_business,
        cast(claims.loss_date as date) as loss_date,
        cast(claims.reported_date as date) as reported_date,
        cast(claims.closed_date as date) as closed_date,
        cast(claims.status as varchar) as claim_status,
        cast(claims.status in ('Open', 'Reopened') as boolean) as is_open,
        cast(claims.paid_amount as numeric(18, 2)) as paid_amount,
        cast(claims.reserve_amount as numeric(18, 2)) as reserve_amount,
        cast(
            coalesce(claims.paid_amount, 0) + coalesce(claims.reserve_amount, 0) as numeric(18, 2)
        ) as incurred_amount,
        cast({{ dbt.datediff('claims.loss_date', 'claims.reported_date', 'day') }} as integer) as days_to_report,
        cast(claims.description as varchar) as claim_description,
        cast(claims.claimant_email as varchar) as claimant_email,
        cast(claims.claimant_phone as varchar) as claimant_phone,
        cast(claims.created_on as timestamp) as created_on,
        cast(claims.date_last_modified as timestamp) as date_last_modified,
        cast(claims.failed_rules as varchar) as failed_rules,
        cast(claims.is_valid as boolean) as is_valid

    from claims
    left join policies
        on claims.policy_key = policies.policy_key

)

select * from final
