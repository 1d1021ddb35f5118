{#-
    The ending the API sources' staging models share (PestRoutes, incident.io), as the body of
    their `final` CTE: the latest version of each key among the rows of `relation` (the model's
    `typed` CTE), with every column of `relation` in its order and nothing else. Versions rank by
    `row_number()` over the key (the doc block pestroutes_dedup_rule): the cursor newest first,
    NULL last, then extracted_at, then dlt_load_id. The dimensions reloaded whole have no cursor
    (cursor_column none): they rank on extracted_at and dlt_load_id alone, and have no
    incremental guard. On incremental runs a version older than the one already merged is
    dropped (not_older_than_target); a view (incident.io) is never incremental.
-#}
{% macro latest_version_per_key(relation, unique_key, cursor_column=none) -%}
    {{ return(adapter.dispatch('latest_version_per_key', 'elt_warehouse')(relation, unique_key, cursor_column)) }}
{%- endmacro %}

{#- The window's order, newest version first. -#}
{% macro pestroutes_version_order(cursor_column) -%}
    {%- if cursor_column %}{{ cursor_column }} desc nulls last, {% endif -%}
    extracted_at desc, dlt_load_id desc
{%- endmacro %}

{#- DuckDB and Snowflake drop the rank column with `* exclude`. -#}
{% macro default__latest_version_per_key(relation, unique_key, cursor_column) -%}
    select * exclude (version_rank)
    from (
        select
            *,
            row_number() over (
                partition by {{ unique_key }}
                order by {{ pestroutes_version_order(cursor_column) }}
            ) as version_rank

        from {{ relation }}
    ) as deduplicated
    where
        version_rank = 1
        {%- if cursor_column %}
        {{ not_older_than_target(unique_key, cursor_column) }}
        {%- endif %}
{%- endmacro %}

{#- Postgres has no `* exclude`: each row is ranked whole (a composite value of `relation`'s row
    type, which keeps every column's type and modifier) and the winner is expanded back into its
    columns. Same window, same rows as the default. -#}
{% macro postgres__latest_version_per_key(relation, unique_key, cursor_column) -%}
    select (deduplicated.latest_version).*
    from (
        select
            {{ relation }} as latest_version,
            row_number() over (
                partition by {{ unique_key }}
                order by {{ pestroutes_version_order(cursor_column) }}
            ) as version_rank

        from {{ relation }}
    ) as deduplicated
    where
        deduplicated.version_rank = 1
        {%- if cursor_column %}
        {{ not_older_than_target(unique_key, cursor_column, '(deduplicated.latest_version)') }}
        {%- endif %}
{%- endmacro %}
