-- Commissions carriers pay the agency on policies: one row per (agency, CommissionId), the latest
-- version (doc block qqcatalyst_dedup_rule). Type and status are both checked against the seed's
-- lists; validated fields standardised with the rules they failed (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('commissions', 'commission_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'commission_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('commissions') }}

),

renamed as (

    select
        commission_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'CommissionId': 'commission_id',
            'PolicyId': 'policy_id',
            'CarrierId': 'carrier_id',
            'CommissionRuleId': 'commission_rule_id',
            'CommissionType': 'commission_type',
            'Amount': 'amount',
            'StatementDate': 'statement_date',
            'PaidDate': 'paid_date',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('commissions')) }} as failed_rules

    from renamed

),

typed as (

    select
        commission_key,
        agency,
        source_id,
        {{ safe_integer('commission_id') }} as commission_id,
        {{ safe_integer('policy_id') }} as policy_id,
        {{ safe_integer('carrier_id') }} as carrier_id,
        {{ safe_integer('commission_rule_id') }} as commission_rule_id,
        {{ qqcatalyst_status('commission_type', 'commissions', 'CommissionType') }} as commission_type,
        {{ qqcatalyst_currency('amount') }} as amount,
        {{ qqcatalyst_date('statement_date') }} as statement_date,
        {{ qqcatalyst_date('paid_date') }} as paid_date,
        {{ qqcatalyst_status('status', 'commissions', 'Status') }} as status,
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
        typed.commission_key,
        typed.commission_id,
        typed.agency,
        {{ qqcatalyst_key('typed.policy_id', 'typed.agency') }} as policy_key,
        typed.policy_id,
        {{ qqcatalyst_key('typed.carrier_id', 'typed.agency') }} as carrier_key,
        typed.carrier_id,
        {{ qqcatalyst_key('typed.commission_rule_id', 'typed.agency') }} as commission_rule_key,
        typed.commission_rule_id,
        typed.commission_type,
        typed.amount,
        typed.statement_date,
        typed.paid_date,
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
