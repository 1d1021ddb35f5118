-- OpenAI completions usage per day, user and model: the usage-day contract, from the daily
-- buckets of `GET /v1/organization/usage/completions` (grouped by user_id and model), each
-- bucket's `results` unnested. The day is the bucket's `start_time` (unix seconds, UTC). The
-- identity is the OpenAI user id (`user-...`, never an email); usage no user is attributed to
-- (an API key's own calls) has no user id and shows as `(none)`. Tokens are counts; input_tokens
-- includes cached input (`input_cached_tokens` is part of it). The API has no per-user cost:
-- cost_usd is NULL here (the marts estimate it; project costs: stg_ai_tools__openai_costs).

with

buckets as (

    select
        latest_buckets.record,
        latest_buckets._report_day as report_day,
        {{ json_path_fields('latest_buckets.record', {'start_time': 'start_time'}) }}

    from {{ ai_tools_latest_reads('openai_completion_buckets') }} as latest_buckets

),

results as (

    select
        buckets.report_day,
        buckets.start_time,
        {{ json_path_fields(json_array_element('result'), {
            'user_id': 'user_id',
            'model': 'model',
            'num_model_requests': 'num_model_requests',
            'input_tokens': 'input_tokens',
            'output_tokens': 'output_tokens',
        }) }}

    from buckets
    {{ unnest_json_array('buckets.record', 'results', 'result') }}

),

typed as (

    select
        -- unix seconds -> the UTC day (86,400 seconds a day)
        coalesce(
            cast({{ dbt.dateadd(
                'day',
                'cast(floor(' ~ safe_integer('start_time') ~ ' / 86400) as integer)',
                "cast('1970-01-01' as date)",
            ) }} as date),
            report_day
        ) as activity_date,
        coalesce({{ nullif_blank('user_id') }}, '(none)') as identity,
        coalesce({{ nullif_blank('model') }}, 'all') as model,
        {{ safe_integer('num_model_requests') }} as requests,
        {{ safe_integer('input_tokens') }} as input_tokens,
        {{ safe_integer('output_tokens') }} as output_tokens

    from results

),

summed as (

    select
        activity_date,
        identity,
        model,
        sum(requests) as requests,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens

    from typed
    group by activity_date, identity, model

)

select
    'openai|' || cast(activity_date as {{ dbt.type_string() }}) || '|openai_user_id|' || identity || '|' || model as usage_day_key,
    activity_date,
    'openai' as tool,
    'openai_user_id' as identity_type,
    identity,
    model,
    cast(coalesce(requests, 0) as bigint) as requests,
    cast(input_tokens as bigint) as input_tokens,
    cast(output_tokens as bigint) as output_tokens,
    cast(null as decimal(18, 6)) as cost_usd

from summed
