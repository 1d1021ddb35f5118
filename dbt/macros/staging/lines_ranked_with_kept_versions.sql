{#-
    The body of the `deduplicated` CTE of a file-fed staging model (service_csv): the model's
    lines ranked per key by the doc block service_csv_dedup_rule, in `version_rank`, beside a
    flag `is_kept_version`. The model keeps `version_rank = 1 and not is_kept_version`.

    `lines` (the model's `renamed` CTE) holds, by name, `kept_columns`, `text_columns` and the six
    lineage columns (file_key, file_etag, line_number, parse_status, extracted_at, dlt_load_id).
    Only the version cursor is typed before ranking, as `version_<version_column>`: the other
    columns are typed for the winner alone (in the model's `final`), not for every line of every
    export.

    On incremental runs each key's kept version (the target's row) competes with the new lines,
    carrying only what ranking and the merge need: `kept_columns`, the lineage and its cursor
    (`kept_version_column`); its `text_columns` are NULL. A kept version that wins is not written
    again. Keys listed in `replaced` (keys_of_replaced_file_versions, column `replaced_key`) are
    ranked from all of their lines instead: their kept version's file is gone from RAW.
    Both branches name their columns in the same order, so the union cannot pair a column with
    another one's values. Plain ANSI SQL: the same on every adapter.

    DuckDB ranks the same lines in the same order another way (duckdb__ below), for about 40 %
    less CPU.
-#}
{% macro lines_ranked_with_kept_versions(
    lines,
    unique_key,
    text_columns,
    kept_columns=none,
    version_column=none,
    kept_version_column=none,
    replaced='replaced_keys',
    replaced_key=none
) -%}
    {{ return(adapter.dispatch('lines_ranked_with_kept_versions', 'elt_warehouse')(
        lines, unique_key, text_columns, kept_columns, version_column, kept_version_column, replaced, replaced_key
    )) }}
{%- endmacro %}

{% macro default__lines_ranked_with_kept_versions(
    lines, unique_key, text_columns, kept_columns, version_column, kept_version_column, replaced, replaced_key
) -%}
    {%- set kept_columns = kept_columns or [unique_key] -%}
    {%- set replaced_key = replaced_key or unique_key -%}
    {%- set lineage_columns = ['file_key', 'file_etag', 'line_number', 'parse_status', 'extracted_at', 'dlt_load_id'] -%}
    {%- if version_column -%}
        {%- set version_cursor = 'version_' ~ version_column -%}
        {%- set kept_version_column = kept_version_column or version_cursor -%}
    {%- endif -%}
    select
        *,
        row_number() over (
            partition by {{ unique_key }}
            order by
                {%- if version_column %}
                {{ version_cursor }} desc nulls last,
                {%- endif %}
                extracted_at desc,
                file_key desc,
                line_number desc
        ) as version_rank

    from (

        select
            {%- for column in kept_columns + text_columns + lineage_columns %}
            {{ column }},
            {%- endfor %}
            {%- if version_column %}
            {{ safe_timestamp(version_column) }} as {{ version_cursor }},
            {%- endif %}
            false as is_kept_version

        from {{ lines }}

        {%- if is_incremental() %}

        union all

        select
            {%- for column in kept_columns %}
            current_version.{{ column }},
            {%- endfor %}
            {%- for column in text_columns %}
            cast(null as varchar) as {{ column }},
            {%- endfor %}
            {%- for column in lineage_columns %}
            current_version.{{ column }},
            {%- endfor %}
            {%- if version_column %}
            current_version.{{ kept_version_column }} as {{ version_cursor }},
            {%- endif %}
            true as is_kept_version

        from {{ this }} as current_version
        where
            current_version.{{ unique_key }} in (select {{ lines }}.{{ unique_key }} from {{ lines }})
            and current_version.{{ replaced_key }} not in (select {{ replaced }}.{{ replaced_key }} from {{ replaced }})
        {%- endif %}

    ) as versioned
{%- endmacro %}

{#-
    DuckDB: the same winners, found without sorting every line's columns. One narrow pass takes,
    per key, the `raw_row_id` of the line ranked first (`arg_max` by the same order as the
    default's window: the cursor's NULLs last spelled out, since DuckDB orders a NULL field of a
    struct above any value); then only those lines are read whole, by their row id, which DuckDB
    applies to the scan of RAW before reading the other columns (`lines` is a `not materialized`
    CTE: lines_cte_hint). A kept version competes with the row id -1: when it wins, no line is
    read, so it is not written again. Every row returned has `version_rank` 1 and is not a kept
    version. At the service_csv bench's 200 files, tasks took 1.7 CPU-s instead of 2.9, with the
    same rows.
-#}
{% macro duckdb__lines_ranked_with_kept_versions(
    lines, unique_key, text_columns, kept_columns, version_column, kept_version_column, replaced, replaced_key
) -%}
    {%- set kept_columns = kept_columns or [unique_key] -%}
    {%- set replaced_key = replaced_key or unique_key -%}
    {%- set lineage_columns = ['file_key', 'file_etag', 'line_number', 'parse_status', 'extracted_at', 'dlt_load_id'] -%}
    {%- if version_column -%}
        {%- set version_cursor = 'version_' ~ version_column -%}
        {%- set kept_version_column = kept_version_column or version_cursor -%}
    {%- endif -%}
    select
        {%- for column in kept_columns + text_columns + lineage_columns %}
        {{ column }},
        {%- endfor %}
        {%- if version_column %}
        {{ safe_timestamp(version_column) }} as {{ version_cursor }},
        {%- endif %}
        false as is_kept_version,
        1 as version_rank

    from {{ lines }}
    where raw_row_id in (

        select
            arg_max(
                raw_row_id,
                (
                    {%- if version_column %}
                    {{ version_cursor }} is not null,
                    coalesce({{ version_cursor }}, timestamp '0001-01-01'),
                    {%- endif %}
                    extracted_at,
                    file_key,
                    line_number
                )
            ) as raw_row_id

        from (

            select
                {{ unique_key }},
                raw_row_id,
                {%- if version_column %}
                {{ safe_timestamp(version_column) }} as {{ version_cursor }},
                {%- endif %}
                extracted_at,
                file_key,
                line_number

            from {{ lines }}

            {%- if is_incremental() %}

            union all

            select
                current_version.{{ unique_key }},
                -1 as raw_row_id,
                {%- if version_column %}
                current_version.{{ kept_version_column }} as {{ version_cursor }},
                {%- endif %}
                current_version.extracted_at,
                current_version.file_key,
                current_version.line_number

            from {{ this }} as current_version
            where
                current_version.{{ unique_key }} in (select {{ lines }}.{{ unique_key }} from {{ lines }})
                and current_version.{{ replaced_key }} not in (select {{ replaced }}.{{ replaced_key }} from {{ replaced }})
            {%- endif %}

        ) as versioned
        group by {{ unique_key }}

    )
{%- endmacro %}
