{#-
    One row per month start from `start_month` to `end_month`, both included, as a query with a
    single date column `month_start`. Both arguments are SQL expressions that evaluate to the
    first day of a month (a literal, or a scalar subquery such as
    `(select first_month from bounds)`), so the spine follows the data instead of a date fixed
    at compile time. dbt_utils.date_spine cannot be installed here, hence this small macro.
-#}
{% macro month_start_spine(start_month, end_month) -%}
    {{ return(adapter.dispatch('month_start_spine', 'elt_warehouse')(start_month, end_month)) }}
{%- endmacro %}

{#- Portable fallback: month offsets 0..9999 from a cross join of digits, then dateadd. -#}
{% macro default__month_start_spine(start_month, end_month) -%}
    with digits as (
        select 0 as digit union all select 1 union all select 2 union all select 3
        union all select 4 union all select 5 union all select 6 union all select 7
        union all select 8 union all select 9
    ),

    month_offsets as (
        select
            thousands.digit * 1000 + hundreds.digit * 100 + tens.digit * 10 + units.digit as month_offset
        from digits as thousands
        cross join digits as hundreds
        cross join digits as tens
        cross join digits as units
    )

    select cast({{ dbt.dateadd('month', 'month_offsets.month_offset', start_month) }} as date) as month_start
    from month_offsets
    where month_offsets.month_offset <= {{ dbt.datediff(start_month, end_month, 'month') }}
{%- endmacro %}

{% macro duckdb__month_start_spine(start_month, end_month) -%}
    select cast(series.month_start as date) as month_start
    from generate_series(
        cast({{ start_month }} as date),
        cast({{ end_month }} as date),
        interval 1 month
    ) as series (month_start)
{%- endmacro %}

{% macro postgres__month_start_spine(start_month, end_month) -%}
    select cast(series.month_start as date) as month_start
    from generate_series(
        cast({{ start_month }} as timestamp),
        cast({{ end_month }} as timestamp),
        interval '1 month'
    ) as series (month_start)
{%- endmacro %}

{#- Snowflake's generator needs a constant row count: 1,200 months (a century) is plenty. -#}
{% macro snowflake__month_start_spine(start_month, end_month) -%}
    select cast(dateadd('month', month_offsets.month_offset, {{ start_month }}) as date) as month_start
    from (
        select row_number() over (order by seq4()) - 1 as month_offset
        from table(generator(rowcount => 1200))
    ) as month_offsets
    where month_offsets.month_offset <= datediff('month', {{ start_month }}, {{ end_month }})
{%- endmacro %}
