-- Policies: one row per (agency, PolicyId), the latest version (doc block qqcatalyst_dedup_rule),
-- with its validated fields standardised and the rules they failed (qqcatalyst_validation_rules).
-- `PolicyDetail` is flattened here (billing method, payment plan, commission percent,
-- underwriting company); its drivers, vehicles, coverages and equipment are in
-- stg_qqcatalyst__policy_drivers, __policy_vehicles, __policy_coverages and __policy_equipment.
-- A renewal policy points at the policy it renews (prior_policy_key).

with

versions as (

    {{ qqcatalyst_versions('policies', 'policy_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'policy_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('policies') }}

),

renamed as (

    select
        policy_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'PolicyId': 'policy_id',
            'CustomerId': 'customer_id',
            'PolicyNumber': 'policy_number',
            'PolicyGuid': 'policy_guid',
            'EffectiveDate': 'effective_date',
            'ExpirationDate': 'expiration_date',
            'Status': 'status',
            'TotalPremium': 'total_premium',
            'LOB': 'lob',
            'LOBId': 'lob_id',
            'PolicyType': 'policy_type',
            'Term': 'term',
            'WritingCarrier': 'writing_carrier',
            'CarrierId': 'carrier_id',
            'MGA': 'mga',
            'AgentId': 'agent_id',
            'AgentName': 'agent_name',
            'CustomerName': 'customer_name',
            'LocationID': 'location_id',
            'PriorPolicyID': 'prior_policy_id',
            'PolicyDetail.BillingMethod': 'billing_method',
            'PolicyDetail.PaymentPlan': 'payment_plan',
            'PolicyDetail.CommissionPercent': 'commission_percent',
            'PolicyDetail.UnderwritingCompany': 'underwriting_company',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('policies')) }} as failed_rules

    from renamed

),

typed as (

    select
        policy_key,
        agency,
        source_id,
        {{ safe_integer('policy_id') }} as policy_id,
        {{ safe_integer('customer_id') }} as customer_id,
        {{ nullif_blank('policy_number') }} as policy_number,
        {{ qqcatalyst_uuid('policy_guid') }} as policy_guid,
        {{ qqcatalyst_date('effective_date') }} as effective_date,
        {{ qqcatalyst_date('expiration_date') }} as expiration_date,
        {{ qqcatalyst_status('status', 'policies', 'Status') }} as status,
        {{ qqcatalyst_currency('total_premium') }} as total_premium,
        {{ nullif_blank('lob') }} as lob,
        {{ safe_integer('lob_id') }} as lob_id,
        {{ nullif_blank('policy_type') }} as policy_type,
        {{ safe_integer('term') }} as term,
        {{ nullif_blank('writing_carrier') }} as writing_carrier,
        {{ safe_integer('carrier_id') }} as carrier_id,
        {{ nullif_blank('mga') }} as mga,
        {{ safe_integer('agent_id') }} as agent_id,
        {{ nullif_blank('agent_name') }} as agent_name,
        {{ nullif_blank('customer_name') }} as customer_name,
        {{ safe_integer('location_id') }} as location_id,
        {{ safe_integer('prior_policy_id') }} as prior_policy_id,
        {{ nullif_blank('billing_method') }} as billing_method,
        {{ nullif_blank('payment_plan') }} as payment_plan,
        cast({{ safe_decimal('commission_percent', 9, 4) }} as numeric(9, 4)) as commission_percent,
        {{ nullif_blank('underwriting_company') }} as underwriting_company,
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
        typed.policy_key,
        typed.policy_id,
        typed.agency,
        {{ qqcatalyst_key('typed.customer_id', 'typed.agency') }} as customer_key,
        typed.customer_id,
        typed.policy_number,
        typed.policy_guid,
        typed.effective_date,
        typed.expiration_date,
        typed.status,
        typed.total_premium,
        typed.lob,
        typed.lob_id,
        typed.policy_type,
        typed.term,
        typed.writing_carrier,
        {{ qqcatalyst_key('typed.carrier_id', 'typed.agency') }} as carrier_key,
        typed.carrier_id,
        typed.mga,
        {{ qqcatalyst_key('typed.agent_id', 'typed.agency') }} as agent_key,
        typed.agent_id,
        typed.agent_name,
        typed.customer_name,
        {{ qqcatalyst_key('typed.location_id', 'typed.agency') }} as location_key,
        typed.location_id,
        {{ qqcatalyst_key('typed.prior_policy_id', 'typed.agency') }} as prior_policy_key,
        typed.prior_policy_id,
        typed.billing_method,
        typed.payment_plan,
        typed.commission_percent,
        typed.underwriting_company,
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
