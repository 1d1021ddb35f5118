-- The commission each carrier pays the agency per line of business: one row per (agency,
-- CommissionRuleId), the latest version (doc block qqcatalyst_dedup_rule). Rates are fractions
-- (0.15 is 15 %); the effective and expiration dates are validated (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('commission_rules', 'commission_rule_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'commission_rule_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('commission_rules') }}

),

renamed as (

    select
        commission_rule_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'CommissionRuleId': 'commission_rule_id',
            'CarrierId': 'carrier_id',
            'LOB': 'lob',
            'NewBusinessRate': 'new_business_rate',
            'RenewalRate': 'renewal_rate',
            'EffectiveDate': 'effective_date',
            'ExpirationDate': 'expiration_date',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('commission_rules')) }} as failed_rules

    from renamed

),

typed as (

    select
        commission_rule_key,
        agency,
        source_id,
        {{ safe_integer('commission_rule_id') }} as commission_rule_id,
        {{ safe_integer('carrier_id') }} as carrier_id,
        {{ nullif_blank('lob') }} as lob,
        cast({{ safe_decimal('new_business_rate', 9, 6) }} as numeric(9, 6)) as new_business_rate,
        cast({{ safe_decimal('renewal_rate', 9, 6) }} as numeric(9, 6)) as renewal_rate,
        {{ qqcatalyst_date('effective_date') }} as effective_date,
        {{ qqcatalyst_date('expiration_date') }} as expiration_date,
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
        typed.commission_rule_key,
        typed.commission_rule_id,
        typed.agency,
        {{ qqcatalyst_key('typed.carrier_id', 'typed.agency') }} as carrier_key,
        typed.carrier_id,
        typed.lob,
        typed.new_business_rate,
        typed.renewal_rate,
        typed.effective_date,
        typed.expiration_date,
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
