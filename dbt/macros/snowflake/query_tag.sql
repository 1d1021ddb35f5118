{#-
    Snowflake: tag every query a model runs with the run and the model, so QUERY_HISTORY and
    cost reports group by dbt invocation and model: a JSON object
    {"app": "elt_warehouse", "invocation_id": ..., "node": <unique id>, "target": ...}.
    A model's own `query_tag` config wins. The session's tag (profiles.yml `query_tag`) comes
    back after the model. Overrides dbt-snowflake's macro of the same name (root project first).
-#}
{% macro snowflake__set_query_tag() -%}
    {%- set configured = config.get('query_tag') -%}
    {%- set new_query_tag = configured or elt_warehouse.model_query_tag() -%}
    {%- set original_query_tag = get_current_query_tag() -%}
    {% do run_query("alter session set query_tag = '" ~ (new_query_tag | replace("'", "''")) ~ "'") %}
    {{ return(original_query_tag) }}
{%- endmacro %}

{% macro snowflake__unset_query_tag(original_query_tag) -%}
    {%- if original_query_tag -%}
        {% do run_query("alter session set query_tag = '" ~ (original_query_tag | replace("'", "''")) ~ "'") %}
    {%- else -%}
        {% do run_query("alter session unset query_tag") %}
    {%- endif -%}
{%- endmacro %}

{% macro model_query_tag() -%}
    {{ return(tojson({
        'app': 'elt_warehouse',
        'invocation_id': invocation_id,
        'node': model.unique_id,
        'target': target.name,
    }, sort_keys=True)) }}
{%- endmacro %}
