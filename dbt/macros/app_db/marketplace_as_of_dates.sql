{#-
    The body of the `as_of_dates` CTE of the marketplace ML models (doc block
    marketplace_as_of_rule): one row per week start (Monday, `as_of_date`) from the week after the
    first customer signed up to the week start of the newest booking request, so every as-of
    date lies within the data and every booking has the as-of date before it.
    `users` and `bookings` are the model's CTEs over stg_app_db__users and stg_app_db__bookings;
    both ML feature models call this on the same relations, so their as-of dates are the same.
-#}
{% macro marketplace_as_of_dates(users='users', bookings='bookings') -%}
    with as_of_bounds as (
        select
            cast({{ dbt.dateadd('day', 7, dbt.date_trunc('week', 'min(' ~ users ~ '.created_at)')) }} as date)
                as first_as_of_date,
            cast(
                {{ dbt.date_trunc('week', '(select max(' ~ bookings ~ '.created_at) from ' ~ bookings ~ ')') }}
                as date
            ) as last_as_of_date
        from {{ users }}
    )

    select week_starts.week_start as as_of_date
    from (
        {{ week_start_spine(
            '(select as_of_bounds.first_as_of_date from as_of_bounds)',
            '(select as_of_bounds.last_as_of_date from as_of_bounds)'
        ) }}
    ) as week_starts
    where week_starts.week_start is not null
{%- endmacro %}
