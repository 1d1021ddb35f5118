{#- Incremental: each run merges only the incidents whose record or updates landed after the
    newest load already merged (dlt_load_id). Every column is a function of one incident's own
    rows, so a merged row equals what a full build would give, until the vars
    incident_timestamp_names / incident_status_fallbacks change: then run --full-refresh.
    on_schema_change 'fail': a changed column list needs a --full-refresh too, rather than
    columns silently NULL on the rows already merged.
    The post-hook removes incidents that became test or tutorial incidents since they were
    merged (a merge can only add or replace rows). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='incident_key',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} where incident_key in (select incident_key from {{ ref('stg_incidents__incidents') }} where mode in ('test', 'tutorial'))",
        ],
    )
}}

{%- set roles = ['impact_started', 'reported', 'identified', 'fixed', 'resolved'] %}
{%- set timestamp_names = var('incident_timestamp_names') %}
{%- set status_fallbacks = var('incident_status_fallbacks') %}
{%- for role in roles if role not in timestamp_names %}
    {{ exceptions.raise_compiler_error(
        "var incident_timestamp_names has no '" ~ role ~ "' list: give each of "
        ~ roles | join(', ') ~ " a list of timestamp names (an empty list if none)"
    ) }}
{%- endfor %}
{%- for endpoint in ['fixed', 'resolved'] if endpoint not in status_fallbacks %}
    {{ exceptions.raise_compiler_error(
        "var incident_status_fallbacks has no '" ~ endpoint ~ "' entry: give fixed and resolved "
        ~ "their status_names and status_categories (empty lists if none)"
    ) }}
{%- endfor %}

{#- The SQL condition "this update moved the incident into a fixed (resolved) status". -#}
{%- set status_conditions = {} %}
{%- for endpoint in ['fixed', 'resolved'] %}
    {%- set terms = [] %}
    {%- set names = status_fallbacks[endpoint].get('status_names') or [] %}
    {%- set categories = status_fallbacks[endpoint].get('status_categories') or [] %}
    {%- if names %}
        {%- do terms.append("lower(trim(new_status_name)) in ('" ~ (names | map('trim') | map('lower') | map('replace', "'", "''") | join("', '")) ~ "')") %}
    {%- endif %}
    {%- if categories %}
        {%- do terms.append("new_status_category in ('" ~ (categories | map('trim') | map('lower') | map('replace', "'", "''") | join("', '")) ~ "')") %}
    {%- endif %}
    {%- do status_conditions.update({endpoint: (terms | join(' or ')) if terms else '1 = 0'}) %}
{%- endfor %}

with

incidents as (

    -- Test and tutorial incidents are practice, not incidents: staging keeps them, marts do not.
    select * from {{ ref('stg_incidents__incidents') }}
    where mode is null or mode not in ('test', 'tutorial')

),

updates as (

    select * from {{ ref('stg_incidents__incident_updates') }}

),

timestamps as (

    select * from {{ ref('stg_incidents__incident_timestamps') }}

),

{% if is_incremental() %}

merged_through as (

    select coalesce(max(dlt_load_id), '') as dlt_load_id from {{ this }}

),

-- Incidents whose latest version, or one of whose updates, landed after the newest load merged.
changed_incidents as (

    select incidents.incident_key
    from incidents
    cross join merged_through
    where incidents.dlt_load_id > merged_through.dlt_load_id

    union

    select updates.incident_key
    from updates
    cross join merged_through
    where updates.dlt_load_id > merged_through.dlt_load_id

),

{% endif %}

in_scope as (

    select * from incidents
    {%- if is_incremental() %}
    where incident_key in (select changed_incidents.incident_key from changed_incidents)
    {%- endif %}

),

-- Each role's timestamp, from the configured names: the first name in the list that is filled.
timestamp_endpoints as (

    select
        incident_key,
        {%- for role in roles %}
        coalesce(
            {%- for name in timestamp_names[role] %}
            max(case when lower(trim(timestamp_name)) = '{{ name | trim | lower | replace("'", "''") }}' then timestamp_value end),
            {%- endfor %}
            cast(null as timestamp)
        ) as {{ role }}_timestamp{{ "," if not loop.last }}
        {%- endfor %}

    from timestamps
    where incident_key in (select in_scope.incident_key from in_scope)
    group by incident_key

),

-- When the status updates first put the incident in a fixed / resolved status.
status_changes as (

    select
        incident_key,
        min(created_at) as first_update_at,
        min(case when {{ status_conditions['fixed'] }} then created_at end) as fixed_status_at,
        min(case when {{ status_conditions['resolved'] }} then created_at end) as resolved_status_at,
        max(dlt_load_id) as dlt_load_id

    from updates
    where incident_key in (select in_scope.incident_key from in_scope)
    group by incident_key

),

-- A retrospective incident is declared after the fact: its creation and status changes date
-- the write-up, not the incident, so it gets no fallbacks (its own timestamps only).
fallbacks as (

    select
        in_scope.incident_key,
        case when coalesce(in_scope.mode, '') <> 'retrospective' then in_scope.created_at end as created_at,
        case when coalesce(in_scope.mode, '') <> 'retrospective' then status_changes.first_update_at end as first_update_at,
        case when coalesce(in_scope.mode, '') <> 'retrospective' then status_changes.fixed_status_at end as fixed_status_at,
        case when coalesce(in_scope.mode, '') <> 'retrospective' then status_changes.resolved_status_at end as resolved_status_at

    from in_scope
    left join status_changes
        on in_scope.incident_key = status_changes.incident_key

),

endpoints as (

    select
        in_scope.*,
        timestamp_endpoints.impact_started_timestamp as impact_started_at,
        timestamp_endpoints.identified_timestamp as identified_at,
        coalesce(
            timestamp_endpoints.reported_timestamp, fallbacks.created_at, fallbacks.first_update_at
        ) as reported_at,
        case
            when timestamp_endpoints.reported_timestamp is not null then 'timestamp'
            when fallbacks.created_at is not null then 'incident_created'
            when fallbacks.first_update_at is not null then 'first_update'
        end as reported_at_source,
        coalesce(
            timestamp_endpoints.reported_timestamp,
            timestamp_endpoints.identified_timestamp,
            fallbacks.created_at,
            fallbacks.first_update_at
        ) as detected_at,
        case
            when timestamp_endpoints.reported_timestamp is not null then 'timestamp'
            when timestamp_endpoints.identified_timestamp is not null then 'identified_timestamp'
            when fallbacks.created_at is not null then 'incident_created'
            when fallbacks.first_update_at is not null then 'first_update'
        end as detected_at_source,
        coalesce(timestamp_endpoints.fixed_timestamp, fallbacks.fixed_status_at) as fixed_at,
        case
            when timestamp_endpoints.fixed_timestamp is not null then 'timestamp'
            when fallbacks.fixed_status_at is not null then 'status_change'
        end as fixed_at_source,
        coalesce(timestamp_endpoints.resolved_timestamp, fallbacks.resolved_status_at) as resolved_at,
        case
            when timestamp_endpoints.resolved_timestamp is not null then 'timestamp'
            when fallbacks.resolved_status_at is not null then 'status_change'
        end as resolved_at_source,
        case
            when status_changes.dlt_load_id > in_scope.dlt_load_id then status_changes.dlt_load_id
            else in_scope.dlt_load_id
        end as last_dlt_load_id

    from in_scope
    left join timestamp_endpoints
        on in_scope.incident_key = timestamp_endpoints.incident_key
    left join status_changes
        on in_scope.incident_key = status_changes.incident_key
    left join fallbacks
        on in_scope.incident_key = fallbacks.incident_key

),

-- Each metric's start and end (doc block incident_response_metrics); a negative span is a
-- data error: the metric is NULL and has_negative_duration says so.
spans as (

    select
        *,
        impact_started_at as ttd_start,
        detected_at as ttd_end,
        coalesce(impact_started_at, reported_at) as ttr_start,
        resolved_at as ttr_end,
        reported_at as tts_start,
        fixed_at as tts_end

    from endpoints

),

final as (

    select
        cast(incident_key as varchar) as incident_key,
        cast(incident_id as varchar) as incident_id,
        cast(workspace as varchar) as workspace,
        cast(reference as varchar) as reference,
        cast(incident_name as varchar) as incident_name,
        cast(status_name as varchar) as status,
        cast(status_category as varchar) as status_category,
        cast(coalesce(status_category in ('triage', 'live', 'paused'), false) as boolean) as is_open,
        cast(severity_name as varchar) as severity,
        cast(severity_rank as integer) as severity_rank,
        cast(incident_type_name as varchar) as incident_type,
        cast(mode as varchar) as mode,
        cast(visibility as varchar) as visibility,
        cast(is_private as boolean) as is_private,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(impact_started_at as timestamp) as impact_started_at,
        cast(reported_at as timestamp) as reported_at,
        cast(reported_at_source as varchar) as reported_at_source,
        cast(identified_at as timestamp) as identified_at,
        cast(detected_at as timestamp) as detected_at,
        cast(detected_at_source as varchar) as detected_at_source,
        cast(fixed_at as timestamp) as fixed_at,
        cast(fixed_at_source as varchar) as fixed_at_source,
        cast(resolved_at as timestamp) as resolved_at,
        cast(resolved_at_source as varchar) as resolved_at_source,
        cast(
            case when ttd_end >= ttd_start then {{ dbt.datediff('ttd_start', 'ttd_end', 'second') }} end
            as bigint
        ) as ttd_seconds,
        cast(
            case when ttr_end >= ttr_start then {{ dbt.datediff('ttr_start', 'ttr_end', 'second') }} end
            as bigint
        ) as ttr_seconds,
        cast(
            case when tts_end >= tts_start then {{ dbt.datediff('tts_start', 'tts_end', 'second') }} end
            as bigint
        ) as tts_seconds,
        cast(
            case
                when ttd_end < ttd_start or ttr_end < ttr_start or tts_end < tts_start then true
                else false
            end as boolean
        ) as has_negative_duration,
        cast(permalink as varchar) as permalink,
        cast(last_dlt_load_id as varchar) as dlt_load_id

    from spans

)

select * from final
