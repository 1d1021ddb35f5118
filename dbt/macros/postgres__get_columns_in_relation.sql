{#-
    Postgres: report array columns with their real type (`int8[]`) instead of information_schema's
    bare `ARRAY`. dbt uses these types to cast unit-test fixture values (`cast(null as ARRAY)`
    is a syntax error, so any unit test whose input has an array column, such as the PestRoutes
    ID lists, failed) and to add columns on `on_schema_change`. Otherwise identical to
    dbt-postgres' own macro, which this overrides through dispatch (root project first).
-#}
{% macro postgres__get_columns_in_relation(relation) -%}
    {% call statement('get_columns_in_relation', fetch_result=True) %}
        select
            column_name,
            case
                when data_type = 'ARRAY' then substr(udt_name, 2) || '[]'
                else data_type
            end as data_type,
            character_maximum_length,
            numeric_precision,
            numeric_scale

        from {{ relation.information_schema('columns') }}
        where
            table_name = '{{ relation.identifier }}'
            {% if relation.schema %}
            and table_schema = '{{ relation.schema }}'
            {% endif %}
        order by ordinal_position
    {% endcall %}
    {% set table = load_result('get_columns_in_relation').table %}
    {{ return(sql_convert_columns_in_relation(table)) }}
{%- endmacro %}
