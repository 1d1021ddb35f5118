{#-
    The RAW table of a source, or an empty relation with the table's declared columns when the
    source has never landed here (a team without that source leaves it unconfigured, and
    `elt load` skips it). The models downstream are then empty, and the rest of the warehouse
    builds and releases: one missing source never stops the others.

    The empty relation's column types come from each column's `data_type` in the sources YAML
    (`json`, `text`, `timestamp`, `bigint`, `boolean` or `date`, the types the landings write),
    translated by `raw_column_type`.
    `source()` is still called, so lineage and `dbt build --select source:...+` are unchanged.
-#}
{% macro source_or_empty(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {#- A unit test's input is a CTE standing in for the source: always there. -#}
    {%- if not execute or relation.is_cte -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) -%}
    {%- if found is not none -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = graph.sources.values()
        | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name)
        | first -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- if not column.data_type -%}
            {%- do exceptions.raise_compiler_error(
                'source ' ~ source_name ~ '.' ~ table_name ~ ': column ' ~ column.name
                ~ ' needs a data_type for source_or_empty'
            ) -%}
        {%- endif -%}
        {%- do columns.append('cast(null as ' ~ raw_column_type(column.data_type) ~ ') as ' ~ column.name) -%}
    {%- endfor -%}
    {{ log(relation ~ ' does not exist (source ' ~ source_name ~ ' never loaded): reading it as empty', info=True) }}
    {{ return('(select ' ~ columns | join(', ') ~ ' where 1 = 0) as ' ~ table_name) }}
{%- endmacro %}


{#- The warehouse type of a RAW column kind, as dlt lands it on each adapter. -#}
{% macro raw_column_type(kind) -%}
    {{ return(adapter.dispatch('raw_column_type', 'elt_warehouse')(kind)) }}
{%- endmacro %}

{% macro default__raw_column_type(kind) -%}
    {{ return({'json': 'jsonb', 'text': 'text', 'timestamp': 'timestamp with time zone', 'bigint': 'bigint', 'boolean': 'boolean', 'date': 'date'}[kind]) }}
{%- endmacro %}

{% macro duckdb__raw_column_type(kind) -%}
    {{ return({'json': 'json', 'text': 'varchar', 'timestamp': 'timestamp with time zone', 'bigint': 'bigint', 'boolean': 'boolean', 'date': 'date'}[kind]) }}
{%- endmacro %}

{% macro snowflake__raw_column_type(kind) -%}
    {{ return({'json': 'variant', 'text': 'varchar', 'timestamp': 'timestamp_tz', 'bigint': 'number(38, 0)', 'boolean': 'boolean', 'date': 'date'}[kind]) }}
{%- endmacro %}
