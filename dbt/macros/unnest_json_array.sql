{#-
    One row per element of a JSON array held in a top-level key, as a join clause placed right
    after the FROM item that holds the JSON column:
        from latest_versions
        {{ unnest_json_array('latest_versions.record', 'incident_timestamp_values', 'timestamp_values') }}
    and each element read with json_array_element(alias), e.g.
        {{ json_path_fields(json_array_element('timestamp_values'), {'incident_timestamp.name': 'timestamp_name'}) }}
    A row whose key is missing, JSON null, or not an array (an object, a string) gives no rows,
    as does an empty array (an inner join: use it where a parent without elements needs no row).
    Elements keep their JSON type (DuckDB JSON, Postgres jsonb, Snowflake VARIANT).
-#}
{% macro unnest_json_array(column, key, alias) -%}
    {{ return(adapter.dispatch('unnest_json_array', 'elt_warehouse')(column, key, alias)) }}
{%- endmacro %}

{#- The element of the current row of an unnest_json_array join named `alias`. -#}
{% macro json_array_element(alias) -%}
    {{ return(adapter.dispatch('json_array_element', 'elt_warehouse')(alias)) }}
{%- endmacro %}

{#- Postgres: a lateral jsonb_array_elements over the array, or over '[]' when it is not one
    (jsonb_array_elements raises on a non-array). -#}
{% macro default__unnest_json_array(column, key, alias) -%}
    cross join lateral jsonb_array_elements(
        case
            when jsonb_typeof({{ column }} -> '{{ key }}') = 'array' then {{ column }} -> '{{ key }}'
            else cast('[]' as jsonb)
        end
    ) as {{ alias }} (element)
{%- endmacro %}

{% macro default__json_array_element(alias) -%}
    {{ alias }}.element
{%- endmacro %}

{#- DuckDB: the array cast to a list of JSON values and unnested (a lateral join); NULL, which
    unnests to no rows, when it is not an array (the cast would fail on an object). -#}
{% macro duckdb__unnest_json_array(column, key, alias) -%}
    cross join unnest(
        case
            when json_type({{ column }}, '$."{{ key }}"') = 'ARRAY'
                then cast(json_extract({{ column }}, '$."{{ key }}"') as json[])
        end
    ) as {{ alias }} (element)
{%- endmacro %}

{#- Snowflake: LATERAL FLATTEN, which names the element `value`; anything but an array is
    replaced by an empty one (FLATTEN would walk an object's keys). The comma join is the form
    Snowflake documents for a lateral table function. -#}
{% macro snowflake__unnest_json_array(column, key, alias) -%}
    , lateral flatten(
        input => iff(is_array({{ column }}:"{{ key }}"), {{ column }}:"{{ key }}", array_construct())
    ) as {{ alias }}
{%- endmacro %}

{% macro snowflake__json_array_element(alias) -%}
    {{ alias }}.value
{%- endmacro %}
