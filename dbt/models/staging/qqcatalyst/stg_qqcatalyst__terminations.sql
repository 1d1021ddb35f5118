-- Policy terminations (cancellations, non-renewals, rewrites): one row per (agency,
-- TerminationId), the latest version (doc block qqcatalyst_dedup_rule). Type and status are both
-- checked against the seed's lists; validated fields standardised with the rules they failed
-- (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('terminations', 'termination_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'termination_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('terminations') }}

),

renamed as (

    select
        termination_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'TerminationId': 'termination_id',
            'PolicyId': 'policy_id',
            'TerminationDate': 'termination_date',
            'TerminationType': 'termination_type',
            'Reason': 'reason',
            'ReturnPremium': 'return_premium',
            'Status': 'status',
            'CreatedOn': 'created_on',
            'IsDeleted': 'is_deleted',
        }) }},
        date_last_modified,
        record_hash,
        batch_id,
        extracted_at,
        dlt_load_id

    from latest_versions

),

checked as (

    select
        renamed.*,
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('terminations')) }} as failed_rules

    from renamed

),

typed as (

    select
        termination_key,
        agency,
        source_id,
        {{ safe_integer('termination_id') }} as termination_id,
        {{ safe_integer('policy_id') }} as policy_id,
        {{ qqcatalyst_date('termination_date') }} as termination_date,
        {{ qqcatalyst_status('termination_type', 'terminations', 'TerminationType') }} as termination_type,
        {{ nullif_blank('reason') }} as reason,
        {{ qqcatalyst_currency('return_premium') }} as return_premium,
        {{ qqcatalyst_status('status', 'terminations', 'Status') }} as status,
        {{ safe_timestamp('created_on') }} as created_on,
        coalesce({{ safe_boolean('is_deleted') }}, false) as is_deleted,
        failed_rules,
        date_last_modified,
        record_hash,
        batch_id,
        extracted_at,
        dlt_load_id

    from checked

),

final as (

    select
        typed.termination_key,
        typed.termination_id,
        typed.agency,
        {{ qqcatalyst_key('typed.policy_id', 'typed.agency') }} as policy_key,
        typed.policy_id,
        typed.termination_date,
        typed.termination_type,
        typed.reason,
        typed.return_premium,
        typed.status,
        typed.created_on,
        typed.date_last_modified,
        typed.is_deleted,
        hard_deleted.source_id is not null as is_hard_deleted,
        typed.failed_rules,
        typed.failed_rules = '' as is_valid,
        typed.record_hash,
        typed.batch_id,
        typed.extracted_at,
        typed.dlt_load_id

    from typed
    left join hard_deleted
        on
            typed.agency = hard_deleted.agency
            and typed.source_id = hard_deleted.source_id

)

select * from final
