{#-
    Snowflake: merges that do not scan whole tables. A large incremental model lists, in
    `merge_prune_columns`, columns that its unique key determines (the same key always has the
    same value, e.g. `office_name` and the PestRoutes ID inside `<office>-<id>`), and clusters
    the table by them (`cluster_by`). Before the MERGE, this reads the range of each column in
    the new rows (a temporary table: `tmp_relation_type='table'`, so the model's query runs
    once) and adds it to the merge's incremental_predicates as literals,
        DBT_INTERNAL_DEST.appointment_id between 1200 and 1450 or ... is null
    which Snowflake prunes micro-partitions with. A target row outside the range cannot match
    a new row's key, so the result is the same as an unpruned merge. Other adapters never call
    this (dispatch); configs it reads are ignored there.
-#}
{% macro snowflake__get_incremental_merge_sql(arg_dict) -%}
    {%- set predicates = [] -%}
    {%- for predicate in (arg_dict.get('incremental_predicates') or []) -%}
        {%- do predicates.append(predicate) -%}
    {%- endfor -%}
    {%- for predicate in elt_warehouse.merge_range_predicates(arg_dict['temp_relation'], config.get('merge_prune_columns') or []) -%}
        {%- do predicates.append(predicate) -%}
    {%- endfor -%}
    {%- do arg_dict.update({'incremental_predicates': predicates}) -%}
    {{ return(dbt.default__get_incremental_merge_sql(arg_dict)) }}
{%- endmacro %}

{% macro merge_range_predicates(source_relation, columns) -%}
    {%- set predicates = [] -%}
    {%- if columns and execute -%}
        {%- set bounds_query -%}
            select
            {%- for column in columns %}
                min({{ column }})::varchar, max({{ column }})::varchar{{ "," if not loop.last }}
            {%- endfor %}
            from {{ source_relation }}
        {%- endset -%}
        {%- set row = run_query(bounds_query).rows[0] -%}
        {%- for column in columns -%}
            {%- set low, high = row[loop.index0 * 2], row[loop.index0 * 2 + 1] -%}
            {%- if low is not none -%}
                {%- set target_column = "DBT_INTERNAL_DEST." ~ column -%}
                {%- do predicates.append(
                    '(' ~ target_column ~ " between '" ~ (low | replace("'", "''")) ~ "' and '"
                    ~ (high | replace("'", "''")) ~ "' or " ~ target_column ~ ' is null)'
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(predicates) }}
{%- endmacro %}
