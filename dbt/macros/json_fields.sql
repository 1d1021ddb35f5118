{#-
    The text values of top-level keys of a JSON column, as select-list items:
        {{ json_fields('record', {'customerID': 'customer_id', 'fname': 'first_name'}) }}
    renders `<text of record.customerID> as customer_id, <text of record.fname> as first_name`.
    A value is NULL when its key is missing or JSON null; a nested object or array gives its JSON
    text. `fields` maps each key, case-sensitive as the API spells it, to its column name, in
    select-list order.
-#}
{% macro json_fields(column, fields) -%}
    {{ return(adapter.dispatch('json_fields', 'elt_warehouse')(column, fields)) }}
{%- endmacro %}

{#- Postgres jsonb is stored parsed: one `->>` per key reads it without parsing it again. -#}
{% macro default__json_fields(column, fields) -%}
    {%- for key, alias in fields.items() -%}
        {{ column }} ->> '{{ key }}' as {{ alias }}{{ ",\n        " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#-
    DuckDB stores JSON as text and parses it for every `->>`: a model with 53 keys parsed each
    record 53 times (3.5 s and more than 256 MB for 48,000 customers). One json_extract_string
    with the list of every path parses each record once (0.4 s within 256 MB). Every column
    repeats the same list expression, indexed; DuckDB's common-subexpression elimination
    evaluates it once per row.
-#}
{% macro duckdb__json_fields(column, fields) -%}
    {%- set paths = [] -%}
    {%- for key in fields -%}
        {%- do paths.append("'$.\"" ~ key ~ "\"'") -%}
    {%- endfor -%}
    {%- for key, alias in fields.items() -%}
        json_extract_string({{ column }}, [{{ paths | join(', ') }}])[{{ loop.index }}] as {{ alias }}{{ ",\n        " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- Snowflake VARIANT is stored parsed; `:"key"` is case-sensitive. -#}
{% macro snowflake__json_fields(column, fields) -%}
    {%- for key, alias in fields.items() -%}
        {{ column }}:"{{ key }}"::varchar as {{ alias }}{{ ",\n        " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
