-- Fees charged on policies (policy, broker, inspection, installment, late fees): one row per
-- (agency, FeeId), the latest version (doc block qqcatalyst_dedup_rule). The fee type is checked
-- against the seed's list; validated fields standardised with the rules they failed
-- (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('fees', 'fee_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'fee_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('fees') }}

),

renamed as (

    select
        fee_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'FeeId': 'fee_id',
            'PolicyId': 'policy_id',
            'FeeType': 'fee_type',
            'Amount': 'amount',
            'FeeDate': 'fee_date',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('fees')) }} as failed_rules

    from renamed

),

typed as (

    select
        fee_key,
        agency,
        source_id,
        {{ safe_integer('fee_id') }} as fee_id,
        {{ safe_integer('policy_id') }} as policy_id,
        {{ qqcatalyst_status('fee_type', 'fees', 'FeeType') }} as fee_type,
        {{ qqcatalyst_currency('amount') }} as amount,
        {{ qqcatalyst_date('fee_date') }} as fee_date,
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
        typed.fee_key,
        typed.fee_id,
        typed.agency,
        {{ qqcatalyst_key('typed.policy_id', 'typed.agency') }} as policy_key,
        typed.policy_id,
        typed.fee_type,
        typed.amount,
        typed.fee_date,
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
