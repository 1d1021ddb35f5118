{#-
    Office-local wall time (a timestamp without time zone) to UTC, still without time zone.
    `timezone_expr` is an IANA zone name such as 'America/Los_Angeles'; daylight saving time is
    applied for the date in question. NULL in, NULL out.
-#}
{% macro local_to_utc(timestamp_expr, timezone_expr) -%}
    {{ return(adapter.dispatch('local_to_utc')(timestamp_expr, timezone_expr)) }}
{%- endmacro %}

{#- DuckDB (ICU) and Postgres: `ts at time zone tz` reads ts as wall time in tz and gives an
    instant; `instant at time zone 'UTC'` gives that instant's UTC wall time. -#}
{% macro default__local_to_utc(timestamp_expr, timezone_expr) -%}
    (({{ timestamp_expr }}) at time zone {{ timezone_expr }}) at time zone 'UTC'
{%- endmacro %}

{% macro snowflake__local_to_utc(timestamp_expr, timezone_expr) -%}
    convert_timezone({{ timezone_expr }}, 'UTC', ({{ timestamp_expr }})::timestamp_ntz)
{%- endmacro %}
