-- Every AI tool's usage days in one relation: the union of the seven
-- stg_ai_tools__<tool>_usage_days models, which all follow the usage-day contract (doc block
-- ai_tool_usage_day_contract), cast to the contract's types so the branches line up on every
-- warehouse. The list of tools is written once, here: a tool is added by adding its key.

{%- set tools = ['litellm', 'copilot', 'cursor', 'anthropic', 'openai', 'windsurf', 'augment'] %}

with

{% for tool in tools %}
{{ tool }}_usage_days as (

    select
        cast(usage_day_key as varchar) as usage_day_key,
        cast(activity_date as date) as activity_date,
        cast(tool as varchar) as tool,
        cast(identity_type as varchar) as identity_type,
        cast(identity as varchar) as identity,
        cast(model as varchar) as model,
        cast(requests as bigint) as requests,
        cast(input_tokens as bigint) as input_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(cost_usd as numeric(18, 6)) as cost_usd

    from {{ ref('stg_ai_tools__' ~ tool ~ '_usage_days') }}

),

{% endfor %}
unioned as (

    {% for tool in tools %}
    select * from {{ tool }}_usage_days
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
