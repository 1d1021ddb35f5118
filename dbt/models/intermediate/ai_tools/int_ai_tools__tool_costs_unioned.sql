-- What each tool bills at its own grain (not per person): the tools' cost models
-- (stg_ai_tools__<tool>_costs, each with at least `activity_date` and `cost_usd`) unioned, one
-- row per tool and day (doc block ai_tool_spend_rule). The list is written once, here: OpenAI's
-- costs per project and line item; a tool with no cost endpoint is not in it.

{%- set tools_with_costs = ['openai'] %}

with

{% for tool in tools_with_costs %}
{{ tool }}_costs as (

    select
        cast(activity_date as date) as activity_date,
        cast('{{ tool }}' as varchar) as tool,
        sum(cast(cost_usd as numeric(18, 6))) as cost_usd

    from {{ ref('stg_ai_tools__' ~ tool ~ '_costs') }}
    group by activity_date

),

{% endfor %}
unioned as (

    {% for tool in tools_with_costs %}
    select * from {{ tool }}_costs
    union all
    {% endfor %}
    select
        cast(null as date) as activity_date,
        cast(null as varchar) as tool,
        cast(null as numeric(18, 6)) as cost_usd
    where 1 = 0

)

select * from unioned
