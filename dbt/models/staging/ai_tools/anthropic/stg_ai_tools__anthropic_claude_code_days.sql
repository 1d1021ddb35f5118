-- Claude Code analytics per day, actor and terminal (Anthropic's Claude Code report, one day per
-- call): sessions, lines, commits and pull requests, and the tokens and estimated cost summed
-- over the report's per-model breakdown. A productivity view beside the usage-day contract:
-- Claude Code's API usage is already in stg_ai_tools__anthropic_usage_days (never add the two).
-- The actor is an email (a seat; lowercased here) or an API key's name. Units: tokens are
-- counts; input_tokens = uncached input + cache read + cache creation; estimated_cost.amount is
-- in cents (a JSON number) -> estimated_cost_usd.

with

latest_reads as (

    select * from {{ ai_tools_latest_reads('anthropic_claude_code_days') }} as latest_code

),

records as (

    select
        latest_reads.record,
        latest_reads._report_day as report_day,
        {{ json_path_fields('latest_reads.record', {
            'date': 'report_date',
            'actor.email_address': 'email_address',
            'actor.api_key_name': 'api_key_name',
            'customer_type': 'customer_type',
            'terminal_type': 'terminal_type',
            'core_metrics.num_sessions': 'sessions',
            'core_metrics.lines_of_code.added': 'lines_added',
            'core_metrics.lines_of_code.removed': 'lines_removed',
            'core_metrics.commits_by_claude_code': 'commits',
            'core_metrics.pull_requests_by_claude_code': 'pull_requests',
        }) }}

    from latest_reads

),

models as (

    select
        records.report_date,
        records.email_address,
        records.api_key_name,
        records.terminal_type,
        {{ json_path_fields(json_array_element('model_entry'), {
            'model': 'model',
            'tokens.input': 'uncached_input_tokens',
            'tokens.cache_read': 'cache_read_tokens',
            'tokens.cache_creation': 'cache_creation_tokens',
            'tokens.output': 'output_tokens',
            'estimated_cost.amount': 'estimated_cost_cents',
        }) }}

    from records
    {{ unnest_json_array('records.record', 'model_breakdown', 'model_entry') }}

),

model_totals as (

    select
        report_date,
        email_address,
        api_key_name,
        terminal_type,
        count(distinct model) as models_used,
        sum({{ safe_integer('uncached_input_tokens') }}) as uncached_input_tokens,
        sum({{ safe_integer('cache_read_tokens') }}) as cache_read_tokens,
        sum({{ safe_integer('cache_creation_tokens') }}) as cache_creation_tokens,
        sum({{ safe_integer('output_tokens') }}) as output_tokens,
        -- cents (a JSON number, fractional) -> USD
        sum({{ safe_float('estimated_cost_cents') }}) / 100 as estimated_cost_usd

    from models
    group by report_date, email_address, api_key_name, terminal_type

),

typed as (

    select
        coalesce(cast({{ safe_rfc3339_timestamp('records.report_date') }} as date), records.report_day) as activity_date,
        case when {{ nullif_blank('records.email_address') }} is not null then 'email' else 'api_key' end as identity_type,
        coalesce(lower(trim({{ nullif_blank('records.email_address') }})), records.api_key_name) as identity,
        lower(trim(records.customer_type)) as customer_type,
        coalesce({{ nullif_blank('records.terminal_type') }}, 'unknown') as terminal_type,
        {{ safe_integer('records.sessions') }} as sessions,
        {{ safe_integer('records.lines_added') }} as lines_added,
        {{ safe_integer('records.lines_removed') }} as lines_removed,
        {{ safe_integer('records.commits') }} as commits,
        {{ safe_integer('records.pull_requests') }} as pull_requests,
        coalesce(model_totals.models_used, 0) as models_used,
        coalesce(model_totals.uncached_input_tokens, 0)
        + coalesce(model_totals.cache_read_tokens, 0)
        + coalesce(model_totals.cache_creation_tokens, 0) as input_tokens,
        model_totals.cache_read_tokens,
        model_totals.cache_creation_tokens,
        model_totals.output_tokens,
        model_totals.estimated_cost_usd

    from records
    left join model_totals
        on records.report_date = model_totals.report_date
        and coalesce(records.email_address, '') = coalesce(model_totals.email_address, '')
        and coalesce(records.api_key_name, '') = coalesce(model_totals.api_key_name, '')
        and coalesce(records.terminal_type, '') = coalesce(model_totals.terminal_type, '')

)

select
    cast(activity_date as {{ dbt.type_string() }}) || '|' || identity_type || '|' || identity || '|' || terminal_type as claude_code_day_key,
    activity_date,
    identity_type,
    identity,
    customer_type,
    terminal_type,
    sessions,
    lines_added,
    lines_removed,
    commits,
    pull_requests,
    models_used,
    cast(input_tokens as bigint) as input_tokens,
    cast(cache_read_tokens as bigint) as cache_read_tokens,
    cast(cache_creation_tokens as bigint) as cache_creation_tokens,
    cast(output_tokens as bigint) as output_tokens,
    cast(round(cast(estimated_cost_usd as decimal(38, 10)), 6) as decimal(18, 6)) as estimated_cost_usd

from typed
