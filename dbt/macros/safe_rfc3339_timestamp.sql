{#-
    RFC 3339 / ISO 8601 text with a UTC offset ('2024-05-01T10:00:00Z',
    '2024-05-01T10:00:00.123Z', '2024-05-01T12:00:00+02:00') to the UTC instant as a timestamp
    without time zone, never failing. A 'T' or a space may separate date and time; seconds and
    fractions are optional. A value without an offset is read as UTC (never as the session's
    zone). NULL for NULL, '', impossible dates ('2024-02-30T00:00:00Z'), date-only values and
    anything else unparsable. For APIs that send instants (incident.io); PestRoutes' office-local
    wall times go through safe_timestamp and local_to_utc instead.
-#}
{% macro safe_rfc3339_timestamp(expr) -%}
    {{ return(adapter.dispatch('safe_rfc3339_timestamp', 'elt_warehouse')(expr)) }}
{%- endmacro %}

{#- The accepted shape (whole value), and its offset at the end (when there is one). -#}
{% macro rfc3339_shape() -%}
^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,9})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$
{%- endmacro %}

{% macro rfc3339_offset() -%}
([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$
{%- endmacro %}

{% macro default__safe_rfc3339_timestamp(expr) -%}
    {{ return(postgres__safe_rfc3339_timestamp(expr)) }}
{%- endmacro %}

{#- DuckDB: try_cast to timestamptz rejects impossible dates; AT TIME ZONE 'UTC' gives the UTC
    wall time whatever the session's TimeZone. Fractions beyond microseconds are cut by the
    cast. -#}
{% macro duckdb__safe_rfc3339_timestamp(expr) -%}
    case
        when regexp_full_match(trim({{ expr }}), '{{ rfc3339_shape() }}')
            then try_cast(
                case
                    when regexp_matches(trim({{ expr }}), '{{ rfc3339_offset() }}') then trim({{ expr }})
                    else trim({{ expr }}) || '+00:00'
                end as timestamptz
            ) at time zone 'UTC'
    end
{%- endmacro %}

{#- Postgres has no try_cast: the regex proves the shape, the nested check that the day exists
    in its month (postgres_calendar_day_exists), then the cast cannot fail. -#}
{% macro postgres__safe_rfc3339_timestamp(expr) -%}
    case
        when trim({{ expr }}) ~ '{{ rfc3339_shape() }}'
            then case
                when {{ postgres_calendar_day_exists(expr) }}
                    then cast(
                        case
                            when trim({{ expr }}) ~ '{{ rfc3339_offset() }}' then trim({{ expr }})
                            else trim({{ expr }}) || '+00:00'
                        end as timestamptz
                    ) at time zone 'UTC'
            end
    end
{%- endmacro %}

{#- Snowflake: TRY_CAST to TIMESTAMP_TZ reads ISO 8601 with its offset (input format AUTO);
    the value is converted to UTC and its wall time kept. -#}
{% macro snowflake__safe_rfc3339_timestamp(expr) -%}
    case
        when regexp_like(trim({{ expr }}), '{{ rfc3339_shape() }}')
            then cast(
                convert_timezone(
                    'UTC',
                    try_cast(
                        case
                            when regexp_like(trim({{ expr }}), '.*{{ rfc3339_offset() }}') then replace(trim({{ expr }}), ' ', 'T')
                            else replace(trim({{ expr }}), ' ', 'T') || 'Z'
                        end as timestamp_tz
                    )
                ) as timestamp_ntz
            )
    end
{%- endmacro %}
