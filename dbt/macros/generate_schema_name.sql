{#-
    Use a model's custom schema exactly as configured (staging, intermediate, audit_marts,
    audit_ml, quality) instead of dbt's default `<target schema>_<custom schema>`, so every
    warehouse and every developer gets the same schema names the release step publishes from.
    Models without a custom schema land in the target's schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
