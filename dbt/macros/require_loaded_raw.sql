{#-
    on-run-start: `dbt build` (or `dbt run`) on a warehouse where nothing has been loaded stops at
    once with one line saying to load first, instead of an error per model. One source missing is
    not an error (its models read it as empty, see source_or_empty); every RAW schema missing is.
-#}
{% macro require_loaded_raw() -%}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- set schemas = [] -%}
        {%- for node in graph.sources.values() -%}
            {%- if node.schema not in schemas -%}
                {%- do schemas.append(node.schema) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set found = [] -%}
        {%- for schema in schemas -%}
            {%- if adapter.check_schema_exists(target.database, schema) -%}
                {%- do found.append(schema) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if schemas and not found -%}
            {%- do exceptions.raise_compiler_error(
                'the warehouse ' ~ target.database ~ ' holds no RAW data yet (none of '
                ~ schemas | join(', ') ~ ' exists): run `elt load` (or `make load`) first, then `dbt build`'
            ) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
