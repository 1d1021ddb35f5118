{#-
    The warehouse-wide key of a PestRoutes record: `<office>-<id>` (e.g. 'north-12'). PestRoutes
    IDs are only unique within one office, so every staging primary key carries the office.
    NULL when either part is NULL.
-#}
{% macro office_scoped_key(office_expr, id_expr) -%}
    {{ return(adapter.dispatch('office_scoped_key')(office_expr, id_expr)) }}
{%- endmacro %}

{% macro default__office_scoped_key(office_expr, id_expr) -%}
    cast({{ office_expr }} as varchar) || '-' || cast({{ id_expr }} as varchar)
{%- endmacro %}
