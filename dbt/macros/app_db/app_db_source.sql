{#-
    A RAW table of the application database, or an empty relation with its declared columns when
    raw_app_db was never loaded here (a deployment without the source): the app_db models then
    build empty. The same rule as source_or_empty, plus the RAW types this source has that the
    API sources do not: `date` and `numeric(p,s)` columns, declared as their SQL type (the same
    name on DuckDB, PostgreSQL and Snowflake) and used as is. The other kinds (`text`,
    `timestamp`, `bigint`, `boolean`) are translated by raw_column_type.
-#}
{% macro app_db_source(table_name) -%}
    {%- set relation = source('app_db', table_name) -%}
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
        | selectattr('source_name', 'equalto', 'app_db')
        | selectattr('name', 'equalto', table_name)
        | first -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- if not column.data_type -%}
            {%- do exceptions.raise_compiler_error(
                'source app_db.' ~ table_name ~ ': column ' ~ column.name ~ ' needs a data_type for app_db_source'
            ) -%}
        {%- endif -%}
        {%- do columns.append('cast(null as ' ~ app_db_column_type(column.data_type) ~ ') as ' ~ column.name) -%}
    {%- endfor -%}
    {{ log(relation ~ ' does not exist (source app_db never loaded): reading it as empty', info=True) }}
    {{ return('(select ' ~ columns | join(', ') ~ ' where 1 = 0) as ' ~ table_name) }}
{%- endmacro %}


{#- The warehouse type of a RAW column of the application database, from its declared data_type. -#}
{% macro app_db_column_type(data_type) -%}
    {%- if data_type in ('json', 'text', 'timestamp', 'bigint', 'boolean') -%}
        {{ return(raw_column_type(data_type)) }}
    {%- elif data_type == 'date' or data_type.startswith('numeric(') -%}
        {{ return(data_type) }}
    {%- endif -%}
    {%- do exceptions.raise_compiler_error('app_db_source: no warehouse type for the RAW data_type ' ~ data_type) -%}
{%- endmacro %}
