-- LiteLLM proxy usage per day, identity and model (the usage-day contract). The proxy reports per
-- virtual key: a key whose alias is an email is that person's (identity_type `email`), any
-- other key (a CI key, say) is the key itself (`api_key`: its alias, or its hash when it has
-- none). Spend arrives in US dollars (a float), tokens as prompt/completion, requests as
-- `api_requests` (successful + failed). Only the newest read of each day is kept
-- (ai_tools_latest_reads): restated days converge.

with

source as (

    select * from {{ ai_tools_latest_reads('litellm_key_model_days') }} as latest_reads

),

renamed as (

    select
        {{ json_path_fields('record', {
            'model': 'model',
            'api_key_hash': 'api_key_hash',
            'key_alias': 'key_alias',
            'metrics.api_requests': 'api_requests',
            'metrics.prompt_tokens': 'prompt_tokens',
            'metrics.completion_tokens': 'completion_tokens',
            'metrics.spend': 'spend',
        }) }},
        _report_day as activity_date

    from source

),

identified as (

    select
        cast(activity_date as date) as activity_date,
        case when key_alias like '%@%' then 'email' else 'api_key' end as identity_type,
        case
            when key_alias like '%@%' then lower(trim(key_alias))
            else coalesce({{ nullif_blank('key_alias') }}, api_key_hash)
        end as identity,
        coalesce({{ nullif_blank('model') }}, 'all') as model,
        {{ safe_integer('api_requests') }} as requests,
        {{ safe_integer('prompt_tokens') }} as input_tokens,
        {{ safe_integer('completion_tokens') }} as output_tokens,
        {{ safe_decimal('spend', 18, 6) }} as cost_usd

    from renamed

),

-- Two keys with the same alias (a person's rotated key) are one identity.
summed as (

    select
        activity_date,
        identity_type,
        identity,
        model,
        sum(requests) as requests,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cost_usd) as cost_usd

    from identified
    group by activity_date, identity_type, identity, model

)

select
    'litellm' || '|' || cast(activity_date as {{ dbt.type_string() }}) || '|' || identity_type
        || '|' || identity || '|' || model as usage_day_key,
    activity_date,
    cast('litellm' as {{ dbt.type_string() }}) as tool,
    identity_type,
    identity,
    model,
    cast(requests as bigint) as requests,
    cast(input_tokens as bigint) as input_tokens,
    cast(output_tokens as bigint) as output_tokens,
    cast(cost_usd as numeric(18, 6)) as cost_usd

from summed
