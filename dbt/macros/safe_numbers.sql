{#- Numbers sent as JSON strings, never failing: NULL for NULL, '' and anything unparsable.
    Surrounding spaces are ignored. -#}

{#- bigint -#}
{% macro safe_integer(expr) -%}
    {{ return(adapter.dispatch('safe_integer')(expr)) }}
{%- endmacro %}

{#- decimal(precision, scale), e.g. money as safe_decimal(x, 18, 2); values too wide for the
    precision are NULL rather than an error. -#}
{% macro safe_decimal(expr, precision=18, scale=2) -%}
    {{ return(adapter.dispatch('safe_decimal')(expr, precision, scale)) }}
{%- endmacro %}

{#- double precision -#}
{% macro safe_float(expr) -%}
    {{ return(adapter.dispatch('safe_float')(expr)) }}
{%- endmacro %}

{% macro default__safe_integer(expr) -%}
    {{ return(postgres__safe_integer(expr)) }}
{%- endmacro %}

{% macro default__safe_decimal(expr, precision, scale) -%}
    {{ return(postgres__safe_decimal(expr, precision, scale)) }}
{%- endmacro %}

{% macro default__safe_float(expr) -%}
    {{ return(postgres__safe_float(expr)) }}
{%- endmacro %}

{% macro duckdb__safe_integer(expr) -%}
    try_cast(trim({{ expr }}) as bigint)
{%- endmacro %}

{% macro duckdb__safe_decimal(expr, precision, scale) -%}
    try_cast(trim({{ expr }}) as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro duckdb__safe_float(expr) -%}
    try_cast(trim({{ expr }}) as double)
{%- endmacro %}

{#- Postgres: prove the shape with a regex, then cast. Digit counts are capped so the cast can
    never overflow. -#}
{% macro postgres__safe_integer(expr) -%}
    case
        when trim({{ expr }}) ~ '^[-+]?[0-9]{1,18}$'
            then cast(trim({{ expr }}) as bigint)
    end
{%- endmacro %}

{% macro postgres__safe_decimal(expr, precision, scale) -%}
    {%- set integer_digits = precision - scale -%}
    case
        when trim({{ expr }}) ~ '^[-+]?([0-9]{1,{{ integer_digits }}}([.][0-9]*)?|[.][0-9]+)$'
            then cast(trim({{ expr }}) as numeric({{ precision }}, {{ scale }}))
    end
{%- endmacro %}

{% macro postgres__safe_float(expr) -%}
    case
        when trim({{ expr }}) ~ '^[-+]?([0-9]{1,30}([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,2})?$'
            then cast(trim({{ expr }}) as double precision)
    end
{%- endmacro %}

{% macro snowflake__safe_integer(expr) -%}
    try_cast(trim({{ expr }}) as bigint)
{%- endmacro %}

{% macro snowflake__safe_decimal(expr, precision, scale) -%}
    try_to_decimal(trim({{ expr }}), {{ precision }}, {{ scale }})
{%- endmacro %}

{% macro snowflake__safe_float(expr) -%}
    try_to_double(trim({{ expr }}))
{%- endmacro %}
