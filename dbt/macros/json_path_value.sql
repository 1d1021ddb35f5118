{#-
    The JSON value at a path of keys inside a JSON value, kept as JSON (DuckDB JSON, Postgres
    jsonb, Snowflake VARIANT), not as text: the way to reach an array nested in objects, e.g.
    Shopify's `lineItems.nodes`, for unnest_json_array, whose key is read at the top level of its
    column:
        from latest_versions
        {{ unnest_json_array(json_path_value('latest_versions.record', 'lineItems'), 'nodes', 'line_item') }}
    A path is its keys joined by '.' (keys are case-sensitive and may not contain a '.'). NULL
    when a key on the path is missing or JSON null, or a parent is not an object. json_path_fields
    reads the same paths as text.
-#}
{% macro json_path_value(column, path) -%}
    {{ return(adapter.dispatch('json_path_value', 'elt_warehouse')(column, path)) }}
{%- endmacro %}

{#- Postgres jsonb: `->` per key, parenthesised so the caller may append `-> 'key'`. -#}
{% macro default__json_path_value(column, path) -%}
    ({{ column }}{% for key in path.split('.') %} -> '{{ key }}'{% endfor %})
{%- endmacro %}

{#- DuckDB: json_extract with a quoted JSONPath keeps the JSON type. -#}
{% macro duckdb__json_path_value(column, path) -%}
    {%- set quoted = [] -%}
    {%- for key in path.split('.') -%}
        {%- do quoted.append('"' ~ key ~ '"') -%}
    {%- endfor -%}
    json_extract({{ column }}, '$.{{ quoted | join('.') }}')
{%- endmacro %}

{#- Snowflake VARIANT: `:"a"."b"` (case-sensitive), parenthesised: a caller's `:"key"` after it
    then applies to the value (Snowflake's path syntax continues a path with `.`, not `:`). -#}
{% macro snowflake__json_path_value(column, path) -%}
    {%- set quoted = [] -%}
    {%- for key in path.split('.') -%}
        {%- do quoted.append('"' ~ key ~ '"') -%}
    {%- endfor -%}
    ({{ column }}:{{ quoted | join('.') }})
{%- endmacro %}


{#-
    JSON text to the warehouse's JSON type, as dlt lands a RAW `record` (DuckDB JSON, Postgres
    jsonb, Snowflake VARIANT). For unit-test fixtures written as SQL (`format: sql`), which stand
    in for a RAW table without needing it to exist in the warehouse (dict fixtures read their
    column types from the RAW table itself). Invalid JSON raises, as it should in a fixture.
-#}
{% macro json_from_text(expr) -%}
    {{ return(adapter.dispatch('json_from_text', 'elt_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__json_from_text(expr) -%}
    cast({{ expr }} as jsonb)
{%- endmacro %}

{% macro duckdb__json_from_text(expr) -%}
    cast({{ expr }} as json)
{%- endmacro %}

{#- Snowflake: a cast to VARIANT would hold the text as a string; parse_json parses it. -#}
{% macro snowflake__json_from_text(expr) -%}
    parse_json({{ expr }})
{%- endmacro %}
