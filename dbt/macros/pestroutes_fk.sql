{#- A PestRoutes foreign key as bigint. The API writes "no reference" as '0', '-1' (e.g. an
    appointment's subscriptionID) or ''; those, and anything not a positive integer, become NULL. -#}
{% macro pestroutes_fk(expr) -%}
    {{ return(adapter.dispatch('pestroutes_fk')(expr)) }}
{%- endmacro %}

{% macro default__pestroutes_fk(expr) -%}
    case when {{ safe_integer(expr) }} > 0 then {{ safe_integer(expr) }} end
{%- endmacro %}
