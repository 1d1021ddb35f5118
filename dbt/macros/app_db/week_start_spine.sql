{#-
    One row per week start (`week_start`, a date) from `start_week` to `end_week`, both included,
    7 days apart: the as-of dates of the marketplace ML features. Both arguments are SQL
    expressions that evaluate to a date (a scalar subquery on a CTE), so the spine follows the
    data. Like month_start_spine: generate_series on DuckDB and Postgres, a generator on
    Snowflake, a digits cross join anywhere else.
-#}
{% macro week_start_spine(start_week, end_week) -%}
    {{ return(adapter.dispatch('week_start_spine', 'elt_warehouse')(start_week, end_week)) }}
{%- endmacro %}

{#- Portable fallback: week offsets 0..9999 from a cross join of digits, then dateadd. -#}
{% macro default__week_start_spine(start_week, end_week) -%}
    with digits as (
        select 0 as digit union all select 1 union all select 2 union all select 3
        union all select 4 union all select 5 union all select 6 union all select 7
        union all select 8 union all select 9
    ),

    week_offsets as (
        select
            thousands.digit * 1000 + hundreds.digit * 100 + tens.digit * 10 + units.digit as week_offset
        from digits as thousands
        cross join digits as hundreds
        cross join digits as tens
        cross join digits as units
    )

    select cast({{ dbt.dateadd('day', 'week_offsets.week_offset * 7', start_week) }} as date) as week_start
    from week_offsets
    where week_offsets.week_offset * 7 <= {{ dbt.datediff(start_week, end_week, 'day') }}
{%- endmacro %}

{% macro duckdb__week_start_spine(start_week, end_week) -%}
    select cast(series.week_start as date) as week_start
    from generate_series(
        cast({{ start_week }} as date),
        cast({{ end_week }} as date),
        interval 7 day
    ) as series (week_start)
{%- endmacro %}

{% macro postgres__week_start_spine(start_week, end_week) -%}
    select cast(series.week_start as date) as week_start
    from generate_series(
        cast({{ start_week }} as timestamp),
        cast({{ end_week }} as timestamp),
        interval '7 days'
    ) as series (week_start)
{%- endmacro %}

{#- Snowflake's generator needs a constant row count: 5,200 weeks (a century) is plenty. -#}
{% macro snowflake__week_start_spine(start_week, end_week) -%}
    select cast(dateadd('day', week_offsets.week_offset * 7, {{ start_week }}) as date) as week_start
    from (
        select row_number() over (order by seq4()) - 1 as week_offset
        from table(generator(rowcount => 5200))
    ) as week_offsets
    where week_offsets.week_offset * 7 <= datediff('day', {{ start_week }}, {{ end_week }})
{%- endmacro %}
