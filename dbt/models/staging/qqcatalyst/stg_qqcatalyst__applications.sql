-- Applications submitted to carriers (each from a quote): one row per (agency, ApplicationId), the
-- latest version (doc block qqcatalyst_dedup_rule), validated fields standardised with the rules
-- they failed (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('applications', 'application_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'application_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('applications') }}

),

renamed as (

    select
        application_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'ApplicationId': 'application_id',
            'QuoteId': 'quote_id',
            'CustomerId': 'customer_id',
            'CarrierId': 'carrier_id',
            'SubmittedDate': 'submitted_date',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('applications')) }} as failed_rules

    from renamed

),

typed as (

    select
        application_key,
        agency,
        source_id,
        {{ safe_integer('application_id') }} as application_id,
        {{ safe_integer('quote_id') }} as quote_id,
        {{ safe_integer('customer_id') }} as customer_id,
        {{ safe_integer('carrier_id') }} as carrier_id,
        {{ qqcatalyst_date('submitted_date') }} as submitted_date,
        {{ qqcatalyst_status('status', 'applications', 'Status') }} as status,
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
        typed.application_key,
        typed.application_id,
        typed.agency,
        {{ qqcatalyst_key('typed.quote_id', 'typed.agency') }} as quote_key,
        typed.quote_id,
        {{ qqcatalyst_key('typed.customer_id', 'typed.agency') }} as customer_key,
        typed.customer_id,
        {{ qqcatalyst_key('typed.carrier_id', 'typed.agency') }} as carrier_key,
        typed.carrier_id,
        typed.submitted_date,
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
