{#-
    The median of a numeric expression as an aggregate (the mean of the two middle values when
    their number is even; NULLs ignored; NULL when there is no value). PostgreSQL has no
    median(); the ordered-set form below means the same on DuckDB, PostgreSQL and Snowflake, so
    one default__ serves all three. Result: double precision.
-#}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'elt_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}
