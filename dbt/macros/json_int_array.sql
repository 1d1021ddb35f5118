{#-
    A top-level key holding a real JSON array of integers (PestRoutes' `unitIDs`) as an array of
    bigint. NULL when the key is missing, JSON null or not an array; elements that are not
    integers are dropped.
-#}
{% macro json_int_array(column, key) -%}
    {{ return(adapter.dispatch('json_int_array')(column, key)) }}
{%- endmacro %}

{% macro default__json_int_array(column, key) -%}
    try_cast({{ column }} -> '{{ key }}' as bigint[])
{%- endmacro %}

{% macro duckdb__json_int_array(column, key) -%}
    case
        when json_type({{ column }} -> '{{ key }}') = 'ARRAY'
            then list_filter(
                list_transform(
                    cast({{ column }} -> '{{ key }}' as json[]),
                    lambda element: try_cast(trim(cast(element as varchar), '"') as bigint)
                ),
                lambda element: element is not null
            )
    end
{%- endmacro %}

{% macro postgres__json_int_array(column, key) -%}
    case
        when jsonb_typeof({{ column }} -> '{{ key }}') = 'array'
            then array(
                select cast(elements.value as bigint)
                from jsonb_array_elements_text(
                    case
                        when jsonb_typeof({{ column }} -> '{{ key }}') = 'array'
                            then {{ column }} -> '{{ key }}'
                        else '[]'::jsonb
                    end
                ) with ordinality as elements (value, position)
                where elements.value ~ '^-?[0-9]{1,18}$'
                order by elements.position
            )
    end
{%- endmacro %}

{% macro snowflake__json_int_array(column, key) -%}
    iff(
        is_array({{ column }}:"{{ key }}"),
        array_compact(
            transform(
                {{ column }}:"{{ key }}"::array,
                element variant -> try_to_number(element::varchar)::variant
            )
        ),
        null
    )
{%- endmacro %}
