{#-
    The text values of keys of a JSON value, nested keys included, as select-list items:
        {{ json_path_fields('record', {'reference': 'reference', 'severity.name': 'severity_name'}) }}
    renders `<text of record.reference> as reference, <text of record.severity.name> as
    severity_name`. A path is its keys joined by '.' (keys with a '.' in them cannot be read).
    A value is NULL when any key on the path is missing or JSON null, or a parent is not an
    object; a nested object or array gives its JSON text. Keys are case-sensitive. json_fields
    reads top-level keys only; this one also reads into nested objects such as incident.io's
    `incident_status` {id, name, category}.
-#}
{% macro json_path_fields(column, fields) -%}
    {{ return(adapter.dispatch('json_path_fields', 'elt_warehouse')(column, fields)) }}
{%- endmacro %}

{#- Postgres jsonb (stored parsed): `->` down to the parent, `->>` for the last key. -#}
{% macro default__json_path_fields(column, fields) -%}
    {%- for path, alias in fields.items() -%}
        {%- set keys = path.split('.') -%}
        {{ column }}{% for key in keys %} {{ '->>' if loop.last else '->' }} '{{ key }}'{% endfor %} as {{ alias }}{{ ",\n        " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- DuckDB parses JSON text for every extraction: as in duckdb__json_fields, one
    json_extract_string with the list of every path parses each value once. -#}
{% macro duckdb__json_path_fields(column, fields) -%}
    {%- set paths = [] -%}
    {%- for path in fields -%}
        {%- set quoted = [] -%}
        {%- for key in path.split('.') -%}
            {%- do quoted.append('"' ~ key ~ '"') -%}
        {%- endfor -%}
        {%- do paths.append("'$." ~ (quoted | join('.')) ~ "'") -%}
    {%- endfor -%}
    {%- for path, alias in fields.items() -%}
        json_extract_string({{ column }}, [{{ paths | join(', ') }}])[{{ loop.index }}] as {{ alias }}{{ ",\n        " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- Snowflake VARIANT is stored parsed; `:"a"."b"` is case-sensitive. -#}
{% macro snowflake__json_path_fields(column, fields) -%}
    {%- for path, alias in fields.items() -%}
        {%- set quoted = [] -%}
        {%- for key in path.split('.') -%}
            {%- do quoted.append('"' ~ key ~ '"') -%}
        {%- endfor -%}
        {{ column }}:{{ quoted | join('.') }}::varchar as {{ alias }}{{ ",\n        " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
