{#-
    The two incremental guards every PestRoutes staging model shares. RAW keeps every version of
    each record; a staging model keeps the latest per key and, on incremental runs:
      1. reads only the loads newer than the newest one already merged (loads_after_target), and
      2. drops a version older than the one already merged for its key, so an older version
         arriving in a later load never overwrites a newer one (not_older_than_target).
    Both render nothing on a full build. Plain ANSI SQL (`is not distinct from`, `exists`,
    `coalesce`), accepted as is by DuckDB, Postgres and Snowflake.
-#}

{#- In the `source` CTE, right after `from {{ source(...) }}`: the where clause keeping only
    loads newer than the newest one already in the target. -#}
{% macro loads_after_target(source_load_id_column='_dlt_load_id', target_load_id_column='dlt_load_id') -%}
    {{ return(adapter.dispatch('loads_after_target', 'elt_warehouse')(source_load_id_column, target_load_id_column)) }}
{%- endmacro %}

{% macro default__loads_after_target(source_load_id_column, target_load_id_column) -%}
    {%- if is_incremental() -%}
    where {{ source_load_id_column }} > (select coalesce(max({{ target_load_id_column }}), '') from {{ this }})
    {%- endif -%}
{%- endmacro %}

{#- In the `final` CTE, right after `version_rank = 1`: an `and not exists (...)` predicate
    dropping a row when the target already holds a newer version of its key. Same ordering as
    version_rank (cursor desc nulls last, then extracted_at desc): the target's row is newer when
    its cursor is greater, or it has a cursor and the new row has none, or the cursors are equal
    (NULL included) and its extracted_at is later. -#}
{% macro not_older_than_target(unique_key, cursor_column, relation_alias='deduplicated') -%}
    {{ return(adapter.dispatch('not_older_than_target', 'elt_warehouse')(unique_key, cursor_column, relation_alias)) }}
{%- endmacro %}

{% macro default__not_older_than_target(unique_key, cursor_column, relation_alias) -%}
    {#- `this` is none in a unit test of a view (incident.io staging): no target, no guard. -#}
    {%- if this is not none and is_incremental() -%}
        -- An older version arriving in a later load must not overwrite the newer one
        -- already merged: same ordering as version_rank, checked against the target.
        and not exists (
            select 1
            from {{ this }} as current_version
            where
                current_version.{{ unique_key }} = {{ relation_alias }}.{{ unique_key }}
                and (
                    current_version.{{ cursor_column }} > {{ relation_alias }}.{{ cursor_column }}
                    or (current_version.{{ cursor_column }} is not null and {{ relation_alias }}.{{ cursor_column }} is null)
                    or (
                        current_version.{{ cursor_column }} is not distinct from {{ relation_alias }}.{{ cursor_column }}
                        and current_version.extracted_at > {{ relation_alias }}.extracted_at
                    )
                )
        )
    {%- endif -%}
{%- endmacro %}

{#-
    The keys whose kept version (in the target) came from a file version (key + ETag) that is no
    longer in RAW because the file was re-uploaded: that version can no longer compete, so these
    keys are ranked again from all of their lines (lines_to_rank's `replaced`). Reads
    `raw_relation` itself, not the model's `source` CTE (DuckDB materializes a CTE read twice
    whole: every column of every RAW line, 1.1 s at 4.3 million lines). Plain ANSI SQL.
-#}
{% macro keys_of_replaced_file_versions(raw_relation, key_column) -%}
    select current_version.{{ key_column }}
    from {{ this }} as current_version
    where not exists (
        select 1
        from {{ raw_relation }} as raw_line
        where
            raw_line._file_key = current_version.file_key
            and raw_line._file_etag = current_version.file_etag
    )
{%- endmacro %}

{#-
    The body of the `source` CTE of a file-fed staging model: every RAW line on a full build; on
    an incremental run only the lines of loads newer than the newest one merged, plus every line
    whose `raw_key` is in the CTE `replaced` (column `key_column`: the keys ranked again from all
    of their lines, from keys_of_replaced_file_versions). The two parts are separate reads of
    `raw_relation`: the first only reads the newest row groups (DuckDB prunes them by load ID),
    and neither reads a CTE twice (DuckDB would materialize it whole). The key list is read as
    `distinct ... is not null`, which tells DuckDB it is short: it then looks RAW's lines up in
    it, where it built its hash table on every RAW line before (0.12 s instead of 1.37 s at 4.3
    million lines with nothing new). Each key's kept version competes with the new lines in the
    model (`is_kept_version` rows), so an incremental run reads whole only the new lines: its
    cost follows the change more than the size of RAW (at 4.3 million RAW lines and 1 % new, the
    selects of the four ranked models took 0.13-0.20 s instead of 0.50-0.77 s).
    Every line also carries `_raw_row_id` (raw_row_id below), which lines_ranked_with_kept_versions
    ranks by on DuckDB.
-#}
{% macro lines_to_rank(raw_relation, raw_key, replaced, key_column) -%}
    select *, {{ raw_row_id(raw_relation) }} as _raw_row_id from {{ raw_relation }}
    {%- if is_incremental() %}
    where _dlt_load_id > (select coalesce(max(dlt_load_id), '') from {{ this }})

    union all

    select *, {{ raw_row_id(raw_relation) }} as _raw_row_id from {{ raw_relation }}
    where
        _dlt_load_id <= (select coalesce(max(dlt_load_id), '') from {{ this }})
        and {{ raw_key }} in (
            select distinct {{ replaced }}.{{ key_column }}
            from {{ replaced }}
            where {{ replaced }}.{{ key_column }} is not null
        )
    {%- endif %}
{%- endmacro %}

{#-
    A RAW line's identity as one integer, for lines_ranked_with_kept_versions: DuckDB's `rowid`,
    which it can filter a table scan by before reading the other columns. A unit test's fixture is
    a CTE, which has no rowid: a hash of the line's file version and number stands in (unique for
    the few lines of a fixture). Other warehouses rank with row_number() and need none (NULL).
-#}
{% macro raw_row_id(raw_relation) -%}
    {{ return(adapter.dispatch('raw_row_id', 'elt_warehouse')(raw_relation)) }}
{%- endmacro %}

{% macro default__raw_row_id(raw_relation) -%}
    cast(null as bigint)
{%- endmacro %}

{% macro duckdb__raw_row_id(raw_relation) -%}
    {%- if raw_relation.is_cte -%}
    cast(hash(_file_key, _file_etag, _line_number) >> 1 as bigint)
    {%- else -%}
    rowid
    {%- endif -%}
{%- endmacro %}

{#-
    What follows `as` when a file-fed staging model names its `source` and `renamed` CTEs, which
    lines_ranked_with_kept_versions reads more than once: on DuckDB `not materialized`, so each
    read is planned on RAW itself (only the columns and lines it needs) instead of DuckDB writing
    every column of every line to a temporary result first; nothing elsewhere.
-#}
{% macro lines_cte_hint() -%}
    {{ return(adapter.dispatch('lines_cte_hint', 'elt_warehouse')()) }}
{%- endmacro %}

{% macro default__lines_cte_hint() -%}{%- endmacro %}

{% macro duckdb__lines_cte_hint() -%}
    not materialized
{%- endmacro %}
