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

{#-
    on-run-start: ELT_SOURCES (the sources this deployment runs; dbt_project.yml switches every
    other source's models off) may only name known sources, or a typo would silently switch a
    source off. dbt renders the hook as it reads the project, so every command stops on it. The
    names are the `elt_source_names` var (loaders/registry.py's, checked by
    tests/test_layering.py).
-#}
{% macro check_elt_sources() -%}
    {%- set known = var('elt_source_names') -%}
    {%- set unknown = [] -%}
    {%- for name in env_var('ELT_SOURCES', '').split(',') -%}
        {%- if name.strip() and name.strip() not in known -%}
            {%- do unknown.append(name.strip()) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if unknown -%}
        {%- do exceptions.raise_compiler_error(
            'ELT_SOURCES names unknown source ' ~ unknown | join(', ') ~ '; known sources: ' ~ known | join(', ')
        ) -%}
    {%- endif -%}
{%- endmacro %}
