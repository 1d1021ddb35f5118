{#- Epoch milliseconds (a JSON number or its text, e.g. Cursor's `date` and `timestamp`) to the
    UTC instant as a timestamp without time zone, never failing: NULL for NULL, '' and anything
    that is not a whole number. -#}
{% macro epoch_ms_timestamp(expr) -%}
    {{ return(adapter.dispatch('epoch_ms_timestamp', 'elt_warehouse')(expr)) }}
{%- endmacro %}

{#- Postgres: whole seconds and the millisecond rest added to the epoch (no float rounding). -#}
{% macro default__epoch_ms_timestamp(expr) -%}
    (timestamp '1970-01-01 00:00:00' + {{ safe_integer(expr) }} * interval '1 millisecond')
{%- endmacro %}

{% macro duckdb__epoch_ms_timestamp(expr) -%}
    make_timestamp({{ safe_integer(expr) }} * 1000)
{%- endmacro %}

{% macro snowflake__epoch_ms_timestamp(expr) -%}
    dateadd(millisecond, {{ safe_integer(expr) }}, '1970-01-01 00:00:00'::timestamp_ntz)
{%- endmacro %}
