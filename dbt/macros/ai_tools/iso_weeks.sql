{#-
    ISO 8601 weeks of a date expression (weeks start on Monday; week 1 is the week holding the
    year's first Thursday, so 2026-12-31 is in 2026-W53 and 2027-01-01 too, while 2024-12-30 is
    in 2025-W01). Both are read off the Thursday of the date's week, which is how the standard
    defines them, with SQL that means the same on DuckDB, PostgreSQL and Snowflake.
-#}
{% macro iso_week_start(date_expr) -%}
    cast({{ dbt.date_trunc('week', date_expr) }} as date)
{%- endmacro %}

{% macro iso_year(date_expr) -%}
    cast(extract(year from {{ dbt.dateadd('day', 3, iso_week_start(date_expr)) }}) as integer)
{%- endmacro %}

{% macro iso_week(date_expr) -%}
    cast(floor((extract(doy from {{ dbt.dateadd('day', 3, iso_week_start(date_expr)) }}) - 1) / 7) + 1 as integer)
{%- endmacro %}
