{#-
    The time the statement runs, in UTC, as a timestamp without time zone (the type every model
    uses for instants). Independent of the session's time zone.
-#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'elt_warehouse')()) }}
{%- endmacro %}

{#- DuckDB (ICU) and Postgres: `timestamptz at time zone 'UTC'` is the UTC wall time. -#}
{% macro default__utc_now() -%}
    cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro snowflake__utc_now() -%}
    cast(convert_timezone('UTC', current_timestamp()) as timestamp_ntz)
{%- endmacro %}
