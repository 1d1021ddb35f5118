{#-
    Text to timestamp (without time zone) / date, never failing. Accepted: 'YYYY-MM-DD HH:MM:SS'
    (optionally with fractional seconds or without seconds, and with a 'T' or space separator)
    and 'YYYY-MM-DD'. NULL for NULL, '', the API's null dates
    '0000-00-00' and '0000-00-00 00:00:00', impossible dates ('2024-02-30') and anything else
    unparsable. The value is returned as written: convert office-local times with local_to_utc.
-#}
{% macro safe_timestamp(expr) -%}
    {{ return(adapter.dispatch('safe_timestamp')(expr)) }}
{%- endmacro %}

{% macro safe_date(expr) -%}
    {{ return(adapter.dispatch('safe_date')(expr)) }}
{%- endmacro %}

{#- Fallback for other adapters: shape check, then a plain cast. -#}
{% macro default__safe_timestamp(expr) -%}
    case
        when trim({{ expr }}) like '____-__-__%' and trim({{ expr }}) not like '0000-%'
            then cast(trim({{ expr }}) as timestamp)
    end
{%- endmacro %}

{% macro default__safe_date(expr) -%}
    cast({{ default__safe_timestamp(expr) }} as date)
{%- endmacro %}

{#- Blank values are settled before try_strptime, which tries every format before giving up
    on one: exports leave many date fields blank (open requests and tasks), and unguarded they
    cost about five times the CPU (measured on 857k service_csv lines: 2.0 vs 0.4 CPU seconds
    for two columns). Same result: NULL. -#}
{% macro duckdb__safe_timestamp(expr) -%}
    case
        when trim({{ expr }}) <> ''
            then try_strptime(
                replace(trim({{ expr }}), 'T', ' '),
                ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M', '%Y-%m-%d']
            )
    end
{%- endmacro %}

{% macro duckdb__safe_date(expr) -%}
    cast({{ duckdb__safe_timestamp(expr) }} as date)
{%- endmacro %}

{#- Postgres has no try_cast: a regex proves the shape, then a second, nested check proves the
    day exists in that month (a CASE arm is only evaluated when its condition holds, so the cast
    never sees '2024-02-30'). -#}
{% macro postgres__safe_timestamp(expr) -%}
    case
        when {{ postgres_iso_datetime_shape(expr) }}
            then case
                when {{ postgres_calendar_day_exists(expr) }}
                    then cast(replace(trim({{ expr }}), 'T', ' ') as timestamp)
            end
    end
{%- endmacro %}

{% macro postgres__safe_date(expr) -%}
    case
        when {{ postgres_iso_datetime_shape(expr) }}
            then case
                when {{ postgres_calendar_day_exists(expr) }}
                    then cast(substr(trim({{ expr }}), 1, 10) as date)
            end
    end
{%- endmacro %}

{% macro snowflake__safe_timestamp(expr) -%}
    coalesce(
        try_to_timestamp_ntz(replace(trim({{ expr }}), 'T', ' '), 'YYYY-MM-DD HH24:MI:SS'),
        try_to_timestamp_ntz(replace(trim({{ expr }}), 'T', ' '), 'YYYY-MM-DD HH24:MI:SS.FF'),
        try_to_timestamp_ntz(replace(trim({{ expr }}), 'T', ' '), 'YYYY-MM-DD HH24:MI'),
        try_to_timestamp_ntz(trim({{ expr }}), 'YYYY-MM-DD')
    )
{%- endmacro %}

{% macro snowflake__safe_date(expr) -%}
    to_date({{ snowflake__safe_timestamp(expr) }})
{%- endmacro %}

{#- Postgres helpers for the two macros above. A year 0001-9999, month 01-12, day 01-31 and an
    optional time of day; years starting with 0 are rejected so '0000-00-00' never gets further. -#}
{% macro postgres_iso_datetime_shape(expr) -%}
    trim({{ expr }}) ~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?)?$'
{%- endmacro %}

{#- Only call on a value that passed postgres_iso_datetime_shape: the first day of the month plus
    (day - 1) days must still fall in the same month. -#}
{% macro postgres_calendar_day_exists(expr) -%}
    extract(
        month from make_date(
            cast(substr(trim({{ expr }}), 1, 4) as integer),
            cast(substr(trim({{ expr }}), 6, 2) as integer),
            1
        ) + (cast(substr(trim({{ expr }}), 9, 2) as integer) - 1)
    ) = cast(substr(trim({{ expr }}), 6, 2) as integer)
{%- endmacro %}
