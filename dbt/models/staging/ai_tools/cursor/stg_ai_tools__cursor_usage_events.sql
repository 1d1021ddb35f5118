-- Cursor usage events (`POST /teams/filtered-usage-events`): one row per request, with its tokens
-- and cost. Per day only the newest load that read the day whole is kept (ai_tools_latest_reads).
-- Units: `timestamp` is epoch milliseconds (as text); `tokenUsage.totalCents` and `chargedCents`
-- are US cents with fractions; older events have neither but `usageBasedCosts`, a dollar string
-- such as "$0.04". All three become `cost_usd` in dollars.

with

source as (

    select * from {{ ai_tools_latest_reads('cursor_usage_events') }} as latest_reads

),

renamed as (

    select
        {{ json_path_fields('record', {
            'timestamp': 'timestamp_ms',
            'userEmail': 'user_email',
            'model': 'model',
            'kind': 'kind',
            'isTokenBasedCall': 'is_token_based_call',
            'tokenUsage.inputTokens': 'input_tokens',
            'tokenUsage.outputTokens': 'output_tokens',
            'tokenUsage.cacheWriteTokens': 'cache_write_tokens',
            'tokenUsage.cacheReadTokens': 'cache_read_tokens',
            'tokenUsage.totalCents': 'total_cents',
            'chargedCents': 'charged_cents',
            'usageBasedCosts': 'usage_based_costs',
        }) }},
        _report_day as report_day,
        _dlt_id as dlt_id,
        _dlt_load_id as dlt_load_id,
        _extracted_at as extracted_at

    from source

),

final as (

    select
        dlt_id as usage_event_key,
        {{ epoch_ms_timestamp('timestamp_ms') }} as event_at,
        cast({{ epoch_ms_timestamp('timestamp_ms') }} as date) as activity_date,
        lower(trim(user_email)) as user_email,
        coalesce({{ nullif_blank('lower(trim(model))') }}, 'unknown') as model,
        {{ nullif_blank('kind') }} as kind,
        {{ safe_integer('input_tokens') }} as input_tokens,
        {{ safe_integer('output_tokens') }} as output_tokens,
        {{ safe_integer('cache_write_tokens') }} as cache_write_tokens,
        {{ safe_integer('cache_read_tokens') }} as cache_read_tokens,
        cast({{ safe_decimal('total_cents', 18, 6) }} as decimal(18, 6)) as total_cents,
        cast({{ safe_decimal('charged_cents', 18, 6) }} as decimal(18, 6)) as charged_cents,
        cast(
            {{ safe_decimal("replace(replace(trim(usage_based_costs), '$', ''), ',', '')", 18, 6) }}
            as decimal(18, 6)
        ) as legacy_cost_usd,
        cast(
            coalesce(
                {{ safe_decimal('charged_cents', 18, 6) }} / 100,
                {{ safe_decimal('total_cents', 18, 6) }} / 100,
                {{ safe_decimal("replace(replace(trim(usage_based_costs), '$', ''), ',', '')", 18, 6) }}
            ) as decimal(18, 6)
        ) as cost_usd,
        report_day,
        extracted_at,
        dlt_load_id

    from renamed

)

select * from final
