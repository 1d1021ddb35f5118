{#- Free text with the API's "none" convention applied: '' or whitespace only becomes NULL;
    any other value is kept exactly as sent (not trimmed). -#}
{% macro nullif_blank(expr) -%}
    {{ return(adapter.dispatch('nullif_blank')(expr)) }}
{%- endmacro %}

{% macro default__nullif_blank(expr) -%}
    case when trim({{ expr }}) = '' then null else {{ expr }} end
{%- endmacro %}
