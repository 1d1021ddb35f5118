-- Anthropic API usage and cost per day, actor and model: the usage-day contract, from the Usage
-- and Cost Analytics API (never the legacy reports, which leave Priority Tier cost out). The
-- usage rows and the cost rows of a day are read separately (two endpoints) and joined here on
-- (day, actor, model); a side missing gives NULL tokens or cost. Each side keeps only the
-- newest load that read the day whole (ai_tools_latest_reads), and sums per key in case the API
-- splits an actor (a key renamed mid-day keeps its own name, so it is a second identity).
-- Units: tokens are counts; input_tokens = uncached + cache read + cache creation (5 min and
-- 1 h); cost.amount is fractional cents as a decimal string ("1234.5678" = USD 12.345678).
-- Claude Code's own report is stg_ai_tools__anthropic_claude_code_days: its tokens and cost are
-- part of these rows already (never add the two).

with

usage_read as (

    select
        _report_day as report_day,
        {{ json_path_fields('record', {
            'starting_at': 'starting_at',
            'group.actor.email_address': 'email_address',
            'group.actor.name': 'actor_name',
            'group.actor.api_key_id': 'api_key_id',
            'group.model': 'model',
            'usage.requests': 'requests',
            'usage.uncached_input_tokens': 'uncached_input_tokens',
            'usage.cache_read_input_tokens': 'cache_read_input_tokens',
            'usage.cache_creation.ephemeral_5m_input_tokens': 'cache_creation_5m_input_tokens',
            'usage.cache_creation.ephemeral_1h_input_tokens': 'cache_creation_1h_input_tokens',
            'usage.output_tokens': 'output_tokens',
        }) }}

    from {{ ai_tools_latest_reads('anthropic_usage_rows') }} as latest_usage

),

cost_read as (

    select
        _report_day as report_day,
        {{ json_path_fields('record', {
            'starting_at': 'starting_at',
            'group.actor.email_address': 'email_address',
            'group.actor.name': 'actor_name',
            'group.actor.api_key_id': 'api_key_id',
            'group.model': 'model',
            'cost.amount': 'amount_cents',
            'cost.currency': 'currency',
            'cost.requests': 'requests',
        }) }}

    from {{ ai_tools_latest_reads('anthropic_cost_rows') }} as latest_cost

),

usage_typed as (

    select
        coalesce(cast({{ safe_rfc3339_timestamp('starting_at') }} as date), report_day) as activity_date,
        case when {{ nullif_blank('email_address') }} is not null then 'email' else 'api_key' end as identity_type,
        coalesce(lower(trim({{ nullif_blank('email_address') }})), {{ nullif_blank('actor_name') }}, api_key_id) as identity,
        coalesce({{ nullif_blank('model') }}, 'all') as model,
        {{ safe_integer('requests') }} as requests,
        coalesce({{ safe_integer('uncached_input_tokens') }}, 0)
        + coalesce({{ safe_integer('cache_read_input_tokens') }}, 0)
        + coalesce({{ safe_integer('cache_creation_5m_input_tokens') }}, 0)
        + coalesce({{ safe_integer('cache_creation_1h_input_tokens') }}, 0) as input_tokens,
        {{ safe_integer('output_tokens') }} as output_tokens

    from usage_read

),

cost_typed as (

    select
        coalesce(cast({{ safe_rfc3339_timestamp('starting_at') }} as date), report_day) as activity_date,
        case when {{ nullif_blank('email_address') }} is not null then 'email' else 'api_key' end as identity_type,
        coalesce(lower(trim({{ nullif_blank('email_address') }})), {{ nullif_blank('actor_name') }}, api_key_id) as identity,
        coalesce({{ nullif_blank('model') }}, 'all') as model,
        {{ safe_integer('requests') }} as requests,
        -- fractional cents (minor units) as a decimal string -> USD
        {{ safe_decimal('amount_cents', 28, 10) }} / 100 as cost_usd

    from cost_read
    where upper(coalesce(currency, 'USD')) = 'USD'

),

usage_summed as (

    select
        activity_date,
        identity_type,
        identity,
        model,
        sum(requests) as requests,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens

    from usage_typed
    group by activity_date, identity_type, identity, model

),

cost_summed as (

    select
        activity_date,
        identity_type,
        identity,
        model,
        sum(requests) as requests,
        sum(cost_usd) as cost_usd

    from cost_typed
    group by activity_date, identity_type, identity, model

),

joined as (

    select
        coalesce(usage_summed.activity_date, cost_summed.activity_date) as activity_date,
        coalesce(usage_summed.identity_type, cost_summed.identity_type) as identity_type,
        coalesce(usage_summed.identity, cost_summed.identity) as identity,
        coalesce(usage_summed.model, cost_summed.model) as model,
        coalesce(usage_summed.requests, cost_summed.requests, 0) as requests,
        usage_summed.input_tokens,
        usage_summed.output_tokens,
        cost_summed.cost_usd

    from usage_summed
    full outer join cost_summed
        on usage_summed.activity_date = cost_summed.activity_date
        and usage_summed.identity_type = cost_summed.identity_type
        and usage_summed.identity = cost_summed.identity
        and usage_summed.model = cost_summed.model

)

select
    'anthropic|' || cast(activity_date as {{ dbt.type_string() }}) || '|' || identity_type || '|' || identity || '|' || model as usage_day_key,
    activity_date,
    'anthropic' as tool,
    identity_type,
    identity,
    model,
    cast(requests as bigint) as requests,
    cast(input_tokens as bigint) as input_tokens,
    cast(output_tokens as bigint) as output_tokens,
    cast(round(cast(cost_usd as decimal(38, 10)), 6) as decimal(18, 6)) as cost_usd

from joined
