-- RAW keeps every version of each incident (one row per distinct record); this model keeps the
-- latest per (workspace, id). A view: incident volumes are small, and fct_incidents merges
-- only the incidents that changed.
-- The dedup is the shared latest_version_per_key (dbt/macros/staging/): newest updated_at, then
-- the latest extraction, then the latest load.

with

source as (

    select * from {{ source_or_empty('incidents', 'incidents') }}

),

renamed as (

    select
        {{ json_path_fields('record', {
            'id': 'incident_id',
            'reference': 'reference',
            'name': 'incident_name',
            'summary': 'summary',
            'incident_status.id': 'status_id',
            'incident_status.name': 'status_name',
            'incident_status.category': 'status_category',
            'incident_status.rank': 'status_rank',
            'severity.id': 'severity_id',
            'severity.name': 'severity_name',
            'severity.rank': 'severity_rank',
            'incident_type.id': 'incident_type_id',
            'incident_type.name': 'incident_type_name',
            'mode': 'mode',
            'visibility': 'visibility',
            'slack_channel_name': 'slack_channel_name',
            'permalink': 'permalink',
            'created_at': 'created_at',
            'updated_at': 'updated_at',
        }) }},
        _workspace as workspace,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        workspace || '-' || incident_id as incident_key,
        incident_id,
        workspace,
        {{ nullif_blank('reference') }} as reference,
        {{ nullif_blank('incident_name') }} as incident_name,
        {{ nullif_blank('summary') }} as summary,
        {{ nullif_blank('status_id') }} as status_id,
        {{ nullif_blank('status_name') }} as status_name,
        lower(trim(status_category)) as status_category,
        {{ safe_integer('status_rank') }} as status_rank,
        {{ nullif_blank('severity_id') }} as severity_id,
        {{ nullif_blank('severity_name') }} as severity_name,
        {{ safe_integer('severity_rank') }} as severity_rank,
        {{ nullif_blank('incident_type_id') }} as incident_type_id,
        {{ nullif_blank('incident_type_name') }} as incident_type_name,
        lower(trim(mode)) as mode,
        lower(trim(visibility)) as visibility,
        case
            when lower(trim(visibility)) = 'private' then true
            when lower(trim(visibility)) = 'public' then false
        end as is_private,
        {{ nullif_blank('slack_channel_name') }} as slack_channel_name,
        {{ nullif_blank('permalink') }} as permalink,
        {{ safe_rfc3339_timestamp('created_at') }} as created_at,
        {{ safe_rfc3339_timestamp('updated_at') }} as updated_at,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'incident_key', 'updated_at') }}

)

select * from final
