-- Response metrics per week, workspace and severity: mean and median time to detect (MTTD),
-- resolve (MTTR) and stabilise (MTTS) in seconds, from fct_incidents (test and tutorial
-- incidents already left out there). Declined, merged and canceled incidents were never worked
-- as incidents and are left out here too. An incident counts in the week it was reported.

with

incidents as (

    select * from {{ ref('fct_incidents') }}
    where
        reported_at is not null
        and (status_category is null or status_category not in ('declined', 'merged', 'canceled'))

),

bucketed as (

    select
        cast({{ dbt.date_trunc('week', 'reported_at') }} as date) as week_start,
        workspace,
        coalesce(severity, '(none)') as severity,
        severity_rank,
        ttd_seconds,
        ttr_seconds,
        tts_seconds

    from incidents

),

weekly as (

    select
        week_start,
        workspace,
        severity,
        min(severity_rank) as severity_rank,
        count(*) as incident_count,
        count(ttd_seconds) as ttd_incident_count,
        avg(ttd_seconds) as mean_ttd_seconds,
        {{ median('ttd_seconds') }} as median_ttd_seconds,
        count(ttr_seconds) as ttr_incident_count,
        avg(ttr_seconds) as mean_ttr_seconds,
        {{ median('ttr_seconds') }} as median_ttr_seconds,
        count(tts_seconds) as tts_incident_count,
        avg(tts_seconds) as mean_tts_seconds,
        {{ median('tts_seconds') }} as median_tts_seconds

    from bucketed
    group by week_start, workspace, severity

),

final as (

    select
        cast(
            cast(week_start as varchar) || '|' || workspace || '|' || severity as varchar
        ) as incident_response_week_key,
        cast(week_start as date) as week_start,
        cast(workspace as varchar) as workspace,
        cast(severity as varchar) as severity,
        cast(severity_rank as integer) as severity_rank,
        cast(incident_count as integer) as incident_count,
        cast(ttd_incident_count as integer) as ttd_incident_count,
        cast(mean_ttd_seconds as numeric(18, 2)) as mean_ttd_seconds,
        cast(median_ttd_seconds as numeric(18, 2)) as median_ttd_seconds,
        cast(ttr_incident_count as integer) as ttr_incident_count,
        cast(mean_ttr_seconds as numeric(18, 2)) as mean_ttr_seconds,
        cast(median_ttr_seconds as numeric(18, 2)) as median_ttr_seconds,
        cast(tts_incident_count as integer) as tts_incident_count,
        cast(mean_tts_seconds as numeric(18, 2)) as mean_tts_seconds,
        cast(median_tts_seconds as numeric(18, 2)) as median_tts_seconds

    from weekly

)

select * from final
