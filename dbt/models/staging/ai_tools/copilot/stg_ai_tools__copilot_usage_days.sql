-- GitHub Copilot usage per day, GitHub login and model (the usage-day contract), from each user
-- line's `totals_by_model_feature`: requests are the prompts the user sent
-- (`user_initiated_interaction_count`, every feature of the model summed; code completions are
-- not prompts and stay in stg_ai_tools__copilot_user_days). Copilot reports no tokens and no
-- cost per model: both NULL (the marts estimate them). Newest read of each day only.

with

source as (

    select * from {{ ai_tools_latest_reads('copilot_user_days') }} as latest_reads

),

features as (

    select
        cast(source._report_day as date) as activity_date,
        {{ json_path_fields('source.record', {'user_login': 'user_login'}) }},
        {{ json_path_fields(json_array_element('model_features'), {
            'model': 'model',
            'user_initiated_interaction_count': 'interactions',
        }) }}

    from source
    {{ unnest_json_array('source.record', 'totals_by_model_feature', 'model_features') }}

),

summed as (

    select
        activity_date,
        user_login as identity,
        coalesce({{ nullif_blank('model') }}, 'all') as model,
        sum({{ safe_integer('interactions') }}) as requests

    from features
    where user_login is not null
    group by activity_date, user_login, coalesce({{ nullif_blank('model') }}, 'all')

)

select
    'copilot|' || cast(activity_date as {{ dbt.type_string() }}) || '|github_login|' || identity
        || '|' || model as usage_day_key,
    activity_date,
    cast('copilot' as {{ dbt.type_string() }}) as tool,
    cast('github_login' as {{ dbt.type_string() }}) as identity_type,
    identity,
    model,
    cast(requests as bigint) as requests,
    cast(null as bigint) as input_tokens,
    cast(null as bigint) as output_tokens,
    cast(null as numeric(18, 6)) as cost_usd

from summed
