{#-
    The parts every QQCatalyst staging model shares (doc blocks qqcatalyst_dedup_rule and
    qqcatalyst_hard_delete_rule), and the audit model int_qqcatalyst__validation_failures with
    them, so both see the same latest version of every record.
-#}


{#- The body of a model's `versions` CTE: every RAW version of `table_name`'s records with its
    lineage, keyed `<agency>-<id>` as `key_column`. The version cursor is `_record_updated_at`
    (the record's DateLastModified as sent, UTC without a zone), parsed here so the dedup
    (latest_version_per_key) reads no JSON; the record is flattened after it, once per key. -#}
{% macro qqcatalyst_versions(table_name, key_column) -%}
    select
        record,
        _agency || '-' || _record_id as {{ key_column }},
        _agency as agency,
        _record_id as source_id,
        {{ safe_timestamp('_record_updated_at') }} as date_last_modified,
        _record_hash as record_hash,
        _batch_id as batch_id,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from {{ source_or_empty('qqcatalyst', table_name) }}
{%- endmacro %}


{#- An agency-scoped key, `<agency>-<id>` (e.g. `harbor-200412`): QQCatalyst ids are only
    unique within one agency. NULL when the id is NULL. -#}
{% macro qqcatalyst_key(id_expr, agency_expr='agency') -%}
    {{ agency_expr }} || '-' || cast({{ id_expr }} as varchar)
{%- endmacro %}


{#-
    The body of a model's `hard_deleted` CTE (doc block qqcatalyst_hard_delete_rule): the
    (agency, source_id) of the records of `versions` (the model's latest versions) that vanished
    from the source. A record is hard-deleted when its agency's latest completed ID sweep of
    `table_name` (RAW id_sweep_runs: one row per completed sweep) started after the record's
    latest version was extracted, and that sweep did not see its id (RAW id_sweeps). Without a
    completed sweep nothing is hard-deleted; reference entities are never swept.
-#}
{% macro qqcatalyst_hard_deleted_keys(table_name, versions='latest_versions') -%}
    select
        {{ versions }}.agency,
        {{ versions }}.source_id

    from {{ versions }}
    inner join (
        select
            ranked_sweeps.sweep_id,
            ranked_sweeps.agency,
            ranked_sweeps.started_at

        from (
            select
                sweep_runs.sweep_id,
                sweep_runs._agency as agency,
                sweep_runs.started_at,
                row_number() over (
                    partition by sweep_runs._agency
                    order by sweep_runs.completed_at desc, sweep_runs.started_at desc, sweep_runs.sweep_id desc
                ) as sweep_rank

            from (select * from {{ source_or_empty('qqcatalyst', 'id_sweep_runs') }}) as sweep_runs
            where sweep_runs.entity = '{{ table_name }}'
        ) as ranked_sweeps
        where ranked_sweeps.sweep_rank = 1
    ) as latest_sweeps
        on {{ versions }}.agency = latest_sweeps.agency
    where
        latest_sweeps.started_at > {{ versions }}.extracted_at
        and not exists (
            select 1
            from (select * from {{ source_or_empty('qqcatalyst', 'id_sweeps') }}) as swept_ids
            where
                swept_ids.sweep_id = latest_sweeps.sweep_id
                and swept_ids._agency = {{ versions }}.agency
                and swept_ids.entity = '{{ table_name }}'
                and swept_ids._record_id = {{ versions }}.source_id
        )
{%- endmacro %}


{#-
    One row per element of the JSON array in the top-level key `key` of `column`, with the
    element's position, as a join clause right after the FROM item holding the JSON column:
        from latest_versions
        {{ qqcatalyst_unnest_array('latest_versions.record', 'Emails', 'emails') }}
    Read the element with json_array_element(alias) and its 0-based position in the array (the
    index of the API's JSON path, `Emails[0]`) with qqcatalyst_array_index(alias). A key that
    is missing, JSON null or not an array, and an empty array, give no rows (an inner join).
-#}
{% macro qqcatalyst_unnest_array(column, key, alias) -%}
    {{ return(adapter.dispatch('qqcatalyst_unnest_array', 'elt_warehouse')(column, key, alias)) }}
{%- endmacro %}

{% macro qqcatalyst_array_index(alias) -%}
    {{ return(adapter.dispatch('qqcatalyst_array_index', 'elt_warehouse')(alias)) }}
{%- endmacro %}

{#- Postgres: jsonb_array_elements WITH ORDINALITY (1-based), over '[]' when not an array. -#}
{% macro default__qqcatalyst_unnest_array(column, key, alias) -%}
    cross join lateral jsonb_array_elements(
        case
            when jsonb_typeof({{ column }} -> '{{ key }}') = 'array' then {{ column }} -> '{{ key }}'
            else cast('[]' as jsonb)
        end
    ) with ordinality as {{ alias }} (element, element_number)
{%- endmacro %}

{% macro default__qqcatalyst_array_index(alias) -%}
    cast({{ alias }}.element_number - 1 as integer)
{%- endmacro %}

{#- DuckDB: the array as a list of JSON values, unnested WITH ORDINALITY (1-based); NULL, which
    unnests to no rows, when it is not an array. -#}
{% macro duckdb__qqcatalyst_unnest_array(column, key, alias) -%}
    cross join unnest(
        case
            when json_type({{ column }}, '$."{{ key }}"') = 'ARRAY'
                then cast(json_extract({{ column }}, '$."{{ key }}"') as json[])
        end
    ) with ordinality as {{ alias }} (element, element_number)
{%- endmacro %}

{#- Snowflake: LATERAL FLATTEN gives the element as `value` and its 0-based `index`. -#}
{% macro snowflake__qqcatalyst_unnest_array(column, key, alias) -%}
    , lateral flatten(
        input => iff(is_array({{ column }}:"{{ key }}"), {{ column }}:"{{ key }}", array_construct())
    ) as {{ alias }}
{%- endmacro %}

{% macro snowflake__qqcatalyst_array_index(alias) -%}
    cast({{ alias }}.index as integer)
{%- endmacro %}
