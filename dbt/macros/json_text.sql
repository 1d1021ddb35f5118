{#- The text value of a top-level key of a JSON column; NULL when the key is missing or JSON null. -#}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text')(column, key)) }}
{%- endmacro %}

{#- DuckDB JSON and Postgres jsonb share the `->>` operator. -#}
{% macro default__json_text(column, key) -%}
    {{ column }} ->> '{{ key }}'
{%- endmacro %}

{% macro snowflake__json_text(column, key) -%}
    {{ column }}:"{{ key }}"::varchar
{%- endmacro %}
