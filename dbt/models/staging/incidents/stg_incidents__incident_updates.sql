-- Status updates of incidents (incident.io `incident_updates`): one row per update. Updates are
-- not edited once posted, but RAW can hold an update twice (a record re-landed with a changed
-- hash, overlapping loads): the latest version per (workspace, id) is kept.

with

source as (

    select * from {{ source_or_empty('incidents', 'incident_updates') }}

),

renamed as (

    select
        {{ json_path_fields('record', {
            'id': 'incident_update_id',
            'incident_id': 'incident_id',
            'created_at': 'created_at',
            'message': 'message',
            'new_incident_status.id': 'new_status_id',
            'new_incident_status.name': 'new_status_name',
            'new_incident_status.category': 'new_status_category',
            'new_incident_status.rank': 'new_status_rank',
            'new_severity.id': 'new_severity_id',
            'new_severity.name': 'new_severity_name',
            'new_severity.rank': 'new_severity_rank',
        }) }},
        _workspace as workspace,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        workspace || '-' || incident_update_id as incident_update_key,
        incident_update_id,
        workspace || '-' || incident_id as incident_key,
        incident_id,
        workspace,
        {{ safe_rfc3339_timestamp('created_at') }} as created_at,
        {{ nullif_blank('message') }} as message,
        {{ nullif_blank('new_status_id') }} as new_status_id,
        {{ nullif_blank('new_status_name') }} as new_status_name,
        lower(trim(new_status_category)) as new_status_category,
        {{ safe_integer('new_status_rank') }} as new_status_rank,
        {{ nullif_blank('new_severity_id') }} as new_severity_id,
        {{ nullif_blank('new_severity_name') }} as new_severity_name,
        {{ safe_integer('new_severity_rank') }} as new_severity_rank,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'incident_update_key', 'created_at') }}

)

select * from final
