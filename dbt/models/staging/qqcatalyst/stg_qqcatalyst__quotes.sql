-- Quotes: one row per (agency, QuoteId), the latest version (doc block qqcatalyst_dedup_rule),
-- validated fields standardised with the rules they failed (qqcatalyst_validation_rules).

with

versions as (

    {{ qqcatalyst_versions('quotes', 'quote_key') }}

),

latest_versions as (

    {{ latest_version_per_key('versions', 'quote_key', 'date_last_modified') }}

),

hard_deleted as (

    {{ qqcatalyst_hard_deleted_keys('quotes') }}

),

renamed as (

    select
        quote_key,
        agency,
        source_id,
        {{ json_path_fields('record', {
            'QuoteId': 'quote_id',
            'CustomerId': 'customer_id',
            'LOB': 'lob',
            'CarrierId': 'carrier_id',
            'QuotedPremium': 'quoted_premium',
            'QuoteDate': 'quote_date',
            'ExpirationDate': 'expiration_date',
            'Status': 'status',
            'QuoteGuid': 'quote_guid',
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
        {{ qqcatalyst_failed_rules(qqcatalyst_checks('quotes')) }} as failed_rules

    from renamed

),

typed as (

    select
        quote_key,
        agency,
        source_id,
        {{ safe_integer('quote_id') }} as quote_id,
        {{ safe_integer('customer_id') }} as customer_id,
        {{ nullif_blank('lob') }} as lob,
        {{ safe_integer('carrier_id') }} as carrier_id,
        {{ qqcatalyst_currency('quoted_premium') }} as quoted_premium,
        {{ qqcatalyst_date('quote_date') }} as quote_date,
        {{ qqcatalyst_date('expiration_date') }} as expiration_date,
        {{ qqcatalyst_status('status', 'quotes', 'Status') }} as status,
        {{ qqcatalyst_uuid('quote_guid') }} as quote_guid,
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
        typed.quote_key,
        typed.quote_id,
        typed.agency,
        {{ qqcatalyst_key('typed.customer_id', 'typed.agency') }} as customer_key,
        typed.customer_id,
        typed.lob,
        {{ qqcatalyst_key('typed.carrier_id', 'typed.agency') }} as carrier_key,
        typed.carrier_id,
        typed.quoted_premium,
        typed.quote_date,
        typed.expiration_date,
        typed.status,
        typed.quote_guid,
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
