-- The book of business per agency, calendar month, carrier and line of business (doc block
-- insurance_book_of_business_rule): the policies and premium in force on the month's snapshot
-- day (its last day, or for the current month the newest day of the agency's data), the
-- premium earned in the month, and the new and renewal business that took effect in it, from the
-- month the agency's records start (its first policy's creation: before it the agency kept its
-- book elsewhere) to its current month. From fct_insurance_policies (current policies): a policy
-- counts from its effective date to the end
-- of its time in force (expiration, or an earlier cancellation: doc block
-- insurance_in_force_rule); policies still Pending (not bound) and policies without a valid
-- effective or end date cannot be placed in a month and are left out. A premium that failed
-- validation (NULL) counts its policy but adds no premium.

with

policies as (

    select * from {{ ref('fct_insurance_policies') }}

),

carriers as (

    select * from {{ ref('dim_insurance_carriers') }}

),

-- How far each agency's data reaches: from the month its first policy was created in QQCatalyst
-- to the newest day one was changed.
agency_data_dates as (

    select
        agency,
        cast({{ dbt.date_trunc('month', 'min(created_on)') }} as date) as data_from_month,
        cast(max(date_last_modified) as date) as data_through_date

    from policies
    group by agency

),

placeable_policies as (

    select * from policies
    where
        (policy_status is null or policy_status <> 'Pending')
        and effective_date is not null
        and in_force_end_date > effective_date

),

month_bounds as (

    select
        min(data_from_month) as first_month,
        cast({{ dbt.date_trunc('month', 'max(data_through_date)') }} as date) as last_month

    from agency_data_dates

),

months as (

    select
        month_starts.month_start,
        cast({{ dbt.dateadd('month', 1, 'month_starts.month_start') }} as date) as next_month_start

    from (
        {{ month_start_spine(
            '(select month_bounds.first_month from month_bounds)',
            '(select month_bounds.last_month from month_bounds)'
        ) }}
    ) as month_starts
    where month_starts.month_start is not null

),

-- Each agency's months up to its data, and the day each month's snapshot is taken.
agency_months as (

    select
        agency_data_dates.agency,
        months.month_start,
        months.next_month_start,
        case
            when cast({{ dbt.dateadd('day', -1, 'months.next_month_start') }} as date) < agency_data_dates.data_through_date
                then cast({{ dbt.dateadd('day', -1, 'months.next_month_start') }} as date)
            else agency_data_dates.data_through_date
        end as as_of_date

    from agency_data_dates
    inner join months
        on
            months.month_start >= agency_data_dates.data_from_month
            and months.month_start <= agency_data_dates.data_through_date

),

-- Every policy in every month it was in force on at least one day up to the snapshot day.
policy_months as (

    select
        agency_months.agency,
        agency_months.month_start,
        agency_months.as_of_date,
        placeable_policies.policy_key,
        placeable_policies.carrier_key,
        coalesce(placeable_policies.line_of_business, 'Unknown') as line_of_business,
        placeable_policies.total_premium,
        placeable_policies.annualized_premium,
        placeable_policies.term_days,
        placeable_policies.is_renewal_policy,
        placeable_policies.effective_date >= agency_months.month_start as took_effect_in_month,
        placeable_policies.in_force_end_date > agency_months.as_of_date as is_in_force,
        -- The month's days in force: from the later of the effective date and the month's start
        -- to the earlier of the end of its time in force and the day after the snapshot.
        {{ dbt.datediff(
            'case when placeable_policies.effective_date > agency_months.month_start'
            ~ ' then placeable_policies.effective_date else agency_months.month_start end',
            'case when placeable_policies.in_force_end_date < ' ~ dbt.dateadd('day', 1, 'agency_months.as_of_date')
            ~ ' then placeable_policies.in_force_end_date else ' ~ dbt.dateadd('day', 1, 'agency_months.as_of_date')
            ~ ' end',
            'day'
        ) }} as days_in_force

    from placeable_policies
    inner join agency_months
        on
            placeable_policies.agency = agency_months.agency
            and placeable_policies.effective_date <= agency_months.as_of_date
            and placeable_policies.in_force_end_date > agency_months.month_start

),

monthly as (

    select
        agency,
        month_start,
        as_of_date,
        carrier_key,
        line_of_business,
        sum(case when is_in_force then 1 else 0 end) as policies_in_force,
        sum(case when is_in_force then total_premium else 0 end) as premium_in_force,
        sum(case when is_in_force then annualized_premium else 0 end) as annualized_premium_in_force,
        count(*) as policies_exposed,
        sum(
            case when term_days > 0 then cast(total_premium as numeric(18, 6)) * days_in_force / term_days else 0 end
        ) as earned_premium,
        sum(case when took_effect_in_month and not is_renewal_policy then 1 else 0 end) as new_business_policies,
        sum(
            case when took_effect_in_month and not is_renewal_policy then total_premium else 0 end
        ) as new_business_premium,
        sum(case when took_effect_in_month and is_renewal_policy then 1 else 0 end) as renewal_policies,
        sum(case when took_effect_in_month and is_renewal_policy then total_premium else 0 end) as renewal_premium

    from policy_months
    group by agency, month_start, as_of_date, carrier_key, line_of_business

),

final as (

    select
        cast(monthly.agency as varchar) as agency,
        cast(monthly.month_start as date) as month_start,
        cast(monthly.as_of_date as date) as as_of_date,
        cast(
            monthly.as_of_date = cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'monthly.month_start')) }} as date)
            as boolean
        ) as is_complete_month,
        cast(monthly.carrier_key as varchar) as carrier_key,
        cast(carriers.carrier_name as varchar) as carrier_name,
        cast(monthly.line_of_business as varchar) as line_of_business,
        cast(monthly.policies_in_force as integer) as policies_in_force,
        cast(coalesce(monthly.premium_in_force, 0) as numeric(18, 2)) as premium_in_force,
        cast(coalesce(monthly.annualized_premium_in_force, 0) as numeric(18, 2)) as annualized_premium_in_force,
        cast(monthly.policies_exposed as integer) as policies_exposed,
        cast(round(coalesce(monthly.earned_premium, 0), 2) as numeric(18, 2)) as earned_premium,
        cast(monthly.new_business_policies as integer) as new_business_policies,
        cast(coalesce(monthly.new_business_premium, 0) as numeric(18, 2)) as new_business_premium,
        cast(monthly.renewal_policies as integer) as renewal_policies,
        cast(coalesce(monthly.renewal_premium, 0) as numeric(18, 2)) as renewal_premium

    from monthly
    left join carriers
        on monthly.carrier_key = carriers.carrier_key

)

select * from final
