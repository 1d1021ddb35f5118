{#- PestRoutes flags: '1' is true, '0' is false ('true'/'false' also accepted, any case);
    anything else, blank included, is NULL. -#}
{% macro safe_boolean(expr) -%}
    {{ return(adapter.dispatch('safe_boolean')(expr)) }}
{%- endmacro %}

{% macro default__safe_boolean(expr) -%}
    case
        when lower(trim({{ expr }})) in ('1', 'true') then true
        when lower(trim({{ expr }})) in ('0', 'false') then false
    end
{%- endmacro %}
