{#-
    The incremental strategy of the staging models that keep the latest version per key: every
    row of the new batch replaces the target's row with the same key, or is added.
    DuckDB: delete+insert. Its MERGE is slow to update matched rows: 2.4 s to replace
    42,000 of 90,000 customers (stg_service_csv__customers after a new day of exports, at the
    service_csv bench's seed scale), where deleting those keys and inserting the batch took
    0.07 s, with the same result.
    Elsewhere: merge (Snowflake's is pruned by dbt/macros/snowflake/merge_pruning.sql).
-#}
{% macro incremental_upsert_strategy() -%}
    {{ return(adapter.dispatch('incremental_upsert_strategy', 'elt_warehouse')()) }}
{%- endmacro %}

{% macro default__incremental_upsert_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}

{% macro duckdb__incremental_upsert_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}
