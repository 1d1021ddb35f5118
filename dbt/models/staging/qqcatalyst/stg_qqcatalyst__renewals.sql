-- Renewals of expiring policies: one row per (agency, RenewalId), the latest version (doc block
-- qqcatalyst_dedup_rule). `policy_key` is the expiring policy, `new_policy_key` its replacement
-- (NULL unless renewed). Validated fields standardised with the rules they failed
-- (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('renewals', 'renewal_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'renewal_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('renewals') }}

),

renamed as (

    select
        renewal_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'RenewalId': 'renewal_id',
            'PolicyId': 'policy_id',
            'NewPolicyId': 'new_policy_id',
            'RenewalDate': 'renewal_date',
            'Status': 'status',
            'RenewalPremium': 'renewal_premium',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('renewals')) }} as failed_rules

    from renamed

),

typed as (

    select
        renewal_key,
        agency,
        source_id,
        {{ safe_integer('renewal_id') }} as renewal_id,
        {{ safe_integer('policy_id') }} as policy_id,
        {{ safe_integer('new_policy_id') }} as new_policy_id,
        {{ qqcatalyst_date('renewal_date') }} as renewal_date,
        {{ qqcatalyst_status('status', 'renewals', 'Status') }} as status,
        {{ qqcatalyst_currency('renewal_premium') }} as renewal_premium,
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
        typed.renewal_key,
        typed.renewal_id,
        typed.agency,
        {{ qqcatalyst_key('typed.policy_id', 'typed.agency') }} as policy_key,
        typed.policy_id,
        {{ qqcatalyst_key('typed.new_policy_id', 'typed.agency') }} as new_policy_key,
        typed.new_policy_id,
        typed.renewal_date,
        typed.status,
        typed.renewal_premium,
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
