-- The timestamps of each incident (incident.io `incident_timestamp_values`), one row per
-- incident and timestamp name, from the incident's latest version: "Reported at", "Impact
-- started at", ... as each workspace names them (fct_incidents maps names to metric endpoints
-- with the var incident_timestamp_names). A timestamp left empty is a row with a NULL value.
-- Staging never reads staging, so the latest version is chosen here with the same rule as
-- stg_incidents__incidents (the dedup is written out in both, see there).

with

source as (

    select * from {{ source_or_empty('incidents', 'incidents') }}

),

renamed as (

    select
        record,
        {{ json_path_fields('record', {'id': 'incident_id', 'updated_at': 'updated_at'}) }},
        _workspace as workspace,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

deduplicated as (

    select
        record,
        workspace || '-' || incident_id as incident_key,
        incident_id,
        workspace,
        extracted_at,
        dlt_load_id,
        row_number() over (
            partition by workspace || '-' || incident_id
            order by {{ safe_rfc3339_timestamp('updated_at') }} desc nulls last, extracted_at desc, dlt_load_id desc
        ) as version_rank

    from renamed

),

latest_versions as (

    select * from deduplicated
    where version_rank = 1

),

timestamp_values as (

    select
        latest_versions.incident_key,
        latest_versions.incident_id,
        latest_versions.workspace,
        {{ json_path_fields(json_array_element('timestamp_value'), {
            'incident_timestamp.id': 'timestamp_id',
            'incident_timestamp.name': 'timestamp_name',
            'incident_timestamp.rank': 'timestamp_rank',
            'value.value': 'timestamp_value',
        }) }},
        latest_versions.extracted_at,
        latest_versions.dlt_load_id

    from latest_versions
    {{ unnest_json_array('latest_versions.record', 'incident_timestamp_values', 'timestamp_value') }}

),

typed as (

    select
        incident_key || '|' || timestamp_name as incident_timestamp_key,
        incident_key,
        incident_id,
        workspace,
        {{ nullif_blank('timestamp_id') }} as timestamp_id,
        timestamp_name,
        {{ safe_integer('timestamp_rank') }} as timestamp_rank,
        {{ safe_rfc3339_timestamp('timestamp_value') }} as timestamp_value,
        extracted_at,
        dlt_load_id

    from timestamp_values

),

-- One row per name: should a record ever list a name twice, the filled value wins, then the
-- earlier one.
named as (

    select
        *,
        row_number() over (
            partition by incident_timestamp_key
            order by timestamp_value asc nulls last, timestamp_id
        ) as name_rank

    from typed

),

final as (

    select
        incident_timestamp_key,
        incident_key,
        incident_id,
        workspace,
        timestamp_id,
        timestamp_name,
        timestamp_rank,
        timestamp_value,
        extracted_at,
        dlt_load_id

    from named
    where name_rank = 1

)

select * from final
