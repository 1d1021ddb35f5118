-- Invoices to contacts for policies: one row per (agency, BillingRecordId), the latest version
-- (doc block qqcatalyst_dedup_rule), validated fields standardised with the rules they failed
-- (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('billing_records', 'billing_record_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'billing_record_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('billing_records') }}

),

renamed as (

    select
        billing_record_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'BillingRecordId': 'billing_record_id',
            'ContactId': 'contact_id',
            'PolicyId': 'policy_id',
            'InvoiceNumber': 'invoice_number',
            'BillingDate': 'billing_date',
            'DueDate': 'due_date',
            'Amount': 'amount',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('billing_records')) }} as failed_rules

    from renamed

),

typed as (

    select
        billing_record_key,
        agency,
        source_id,
        {{ safe_integer('billing_record_id') }} as billing_record_id,
        {{ safe_integer('contact_id') }} as contact_id,
        {{ safe_integer('policy_id') }} as policy_id,
        {{ nullif_blank('invoice_number') }} as invoice_number,
        {{ qqcatalyst_date('billing_date') }} as billing_date,
        {{ qqcatalyst_date('due_date') }} as due_date,
        {{ qqcatalyst_currency('amount') }} as amount,
        {{ qqcatalyst_status('status', 'billing_records', 'Status') }} as status,
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
        typed.billing_record_key,
        typed.billing_record_id,
        typed.agency,
        {{ qqcatalyst_key('typed.contact_id', 'typed.agency') }} as contact_key,
        typed.contact_id,
        {{ qqcatalyst_key('typed.policy_id', 'typed.agency') }} as policy_key,
        typed.policy_id,
        typed.invoice_number,
        typed.billing_date,
        typed.due_date,
        typed.amount,
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
