-- Claims on policies: one row per (agency, ClaimId), the latest version (doc block
-- qqcatalyst_dedup_rule), validated fields standardised with the rules they failed
-- (qqcatalyst_validation_rules): dates, status, paid and reserve amounts, the claimant's email and
-- phone.

with

versions as (

    {{ qqcatalyst_versions('claims', 'claim_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'claim_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('claims') }}

),

renamed as (

    select
        claim_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'ClaimId': 'claim_id',
            'PolicyId': 'policy_id',
            'ClaimNumber': 'claim_number',
            'LossDate': 'loss_date',
            'ReportedDate': 'reported_date',
            'ClosedDate': 'closed_date',
            'Status': 'status',
            'PaidAmount': 'paid_amount',
            'ReserveAmount': 'reserve_amount',
            'Description': 'description',
            'ClaimantEmail': 'claimant_email',
            'ClaimantPhone': 'claimant_phone',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('claims')) }} as failed_rules

    from renamed

),

typed as (

    select
        claim_key,
        agency,
        source_id,
        {{ safe_integer('claim_id') }} as claim_id,
        {{ safe_integer('policy_id') }} as policy_id,
        {{ nullif_blank('claim_number') }} as claim_number,
        {{ qqcatalyst_date('loss_date') }} as loss_date,
        {{ qqcatalyst_date('reported_date') }} as reported_date,
        {{ qqcatalyst_date('closed_date') }} as closed_date,
        {{ qqcatalyst_status('status', 'claims', 'Status') }} as status,
        {{ qqcatalyst_currency('paid_amount') }} as paid_amount,
        {{ qqcatalyst_currency('reserve_amount') }} as reserve_amount,
        {{ nullif_blank('description') }} as description,
        {{ qqcatalyst_email('claimant_email') }} as claimant_email,
        {{ qqcatalyst_phone('claimant_phone') }} as claimant_phone,
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
        typed.claim_key,
        typed.claim_id,
        typed.agency,
        {{ qqcatalyst_key('typed.policy_id', 'typed.agency') }} as policy_key,
        typed.policy_id,
        typed.claim_number,
        typed.loss_date,
        typed.reported_date,
        typed.closed_date,
        typed.status,
        typed.paid_amount,
        typed.reserve_amount,
        typed.description,
        typed.claimant_email,
        typed.claimant_phone,
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
