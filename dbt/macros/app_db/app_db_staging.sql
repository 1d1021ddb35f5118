{#-
    Parts the application database's staging models share (doc blocks app_db_conventions and
    app_db_hard_delete_rule).
-#}

{#- A RAW `timestamp with time zone` as the UTC wall time, `timestamp` without time zone (the
    type every model uses for instants), whatever the session's time zone. -#}
{% macro utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('utc_timestamp', 'elt_warehouse')(expr)) }}
{%- endmacro %}

{#- DuckDB (ICU) and Postgres: `instant at time zone 'UTC'` is that instant's UTC wall time. -#}
{% macro default__utc_timestamp(expr) -%}
    cast(({{ expr }}) at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro snowflake__utc_timestamp(expr) -%}
    cast(convert_timezone('UTC', {{ expr }}) as timestamp_ntz)
{%- endmacro %}


{#- The body of a staging model's `key_sets` CTE: per database, the newest load that read the
    source table's key set (keys_<table>) or counted its rows (source_counts, which also says so
    for a table that was emptied: its key set is then empty, not missing). One row per
    database whose key set was read; `keys_load_id` and `keys_extracted_at` are that load's. A
    database without a row was never key-read: its rows are never judged hard-deleted. -#}
{% macro app_db_key_sets(table_name) -%}
    select
        key_reads._database as database_name,
        max(key_reads._dlt_load_id) as keys_load_id,
        max(key_reads._extracted_at) as keys_extracted_at

    from (
        {#- No alias on the sources: app_db_source's empty stand-in brings its own. #}
        select
            _database,
            _dlt_load_id,
            _extracted_at
        from {{ app_db_source('keys_' ~ table_name) }}

        union all

        select
            _database,
            _dlt_load_id,
            _extracted_at
        from {{ app_db_source('source_counts') }}
        where table_name = '{{ table_name }}'
    ) as key_reads
    group by key_reads._database
{%- endmacro %}


{#- US cents (an integer) as dollars, numeric(18,2): exact for every whole number of cents. -#}
{% macro cents_to_dollars(expr) -%}
    {{ return(adapter.dispatch('cents_to_dollars', 'elt_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__cents_to_dollars(expr) -%}
    cast(cast({{ expr }} as numeric(18, 2)) / 100 as numeric(18, 2))
{%- endmacro %}


{#- A staging model's `is_hard_deleted` (doc block app_db_hard_delete_rule): the row's key is
    missing from its database's key set, and that key set was read by a later load than the one
    that landed the row's latest version (a load reads the keys before the data, so a row
    inserted in between lands in the same load without being in its keys: not deleted).
    `versions` is the CTE of latest versions, joined to `key_sets` (app_db_key_sets) on the
    database; `keys` is the CTE over keys_<table>. -#}
{% macro app_db_is_hard_deleted(versions, id_column, keys='keys', key_sets='key_sets') -%}
    case
        when
            {{ key_sets }}.keys_load_id > {{ versions }}.dlt_load_id
            and not exists (
                select 1
                from {{ keys }}
                where
                    {{ keys }}._database = {{ versions }}.database_name
                    and {{ keys }}.id = {{ versions }}.{{ id_column }}
            )
            then true
        else false
    end
{%- endmacro %}


{#- A post-hook of the app_db tables: on PostgreSQL, gather the new table's statistics at once.
    dbt creates tables with `create table as`, which leaves PostgreSQL without statistics until
    autovacuum gets to them; meanwhile the next model or test joining two such tables on a
    database-scoped key is planned blind (a nested loop over a week-by-customer spine took 13
    minutes for what takes 2 seconds with statistics). A no-op on views and other adapters. -#}
{% macro analyze_built_table() -%}
    {{ return(adapter.dispatch('analyze_built_table', 'elt_warehouse')()) }}
{%- endmacro %}

{% macro default__analyze_built_table() -%}
{%- endmacro %}

{% macro postgres__analyze_built_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
