-- The incidents open at the time of the build (or at the var incident_open_as_of), with how
-- long each has been open and an age band. Open: status category triage, live or paused (see
-- fct_incidents.is_open). Test and tutorial incidents are already left out of fct_incidents.

{%- set as_of = var('incident_open_as_of', none) %}

with

incidents as (

    select * from {{ ref('fct_incidents') }}
    where is_open

),

as_of as (

    select
        {%- if as_of %}
        cast('{{ as_of }}' as timestamp) as as_of
        {%- else %}
        {{ utc_now() }} as as_of
        {%- endif %}

),

aged as (

    select
        incidents.*,
        coalesce(incidents.reported_at, incidents.created_at) as open_since,
        as_of.as_of,
        {{ dbt.datediff('coalesce(incidents.reported_at, incidents.created_at)', 'as_of.as_of', 'second') }} as age_seconds

    from incidents
    cross join as_of
    -- An incident reported after the as-of time was not open yet then.
    where coalesce(incidents.reported_at, incidents.created_at) <= as_of.as_of

),

final as (

    select
        cast(incident_key as varchar) as incident_key,
        cast(incident_id as varchar) as incident_id,
        cast(workspace as varchar) as workspace,
        cast(reference as varchar) as reference,
        cast(incident_name as varchar) as incident_name,
        cast(status as varchar) as status,
        cast(status_category as varchar) as status_category,
        cast(severity as varchar) as severity,
        cast(severity_rank as integer) as severity_rank,
        cast(incident_type as varchar) as incident_type,
        cast(is_private as boolean) as is_private,
        cast(open_since as timestamp) as open_since,
        cast(as_of as timestamp) as as_of,
        cast(age_seconds as bigint) as age_seconds,
        cast(age_seconds / 3600.0 as numeric(18, 2)) as age_hours,
        cast(age_seconds / 86400.0 as numeric(18, 2)) as age_days,
        cast(
            case
                when age_seconds < 4 * 3600 then 'under 4 hours'
                when age_seconds < 24 * 3600 then '4 to 24 hours'
                when age_seconds < 3 * 86400 then '1 to 3 days'
                when age_seconds < 7 * 86400 then '3 to 7 days'
                when age_seconds < 30 * 86400 then '7 to 30 days'
                else '30 days or more'
            end as varchar
        ) as age_band,
        cast(
            case
                when age_seconds < 4 * 3600 then 1
                when age_seconds < 24 * 3600 then 2
                when age_seconds < 3 * 86400 then 3
                when age_seconds < 7 * 86400 then 4
                when age_seconds < 30 * 86400 then 5
                else 6
            end as integer
        ) as age_band_order

    from aged

)

select * from final
