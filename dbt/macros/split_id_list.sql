{#-
    A comma-separated list of integer IDs ("12,5465,6213") as an array of bigint, in list order.
    Blank or whitespace-only input gives an EMPTY array (the API's way of saying "no IDs"); NULL
    stays NULL. Elements that are not integers (stray spaces are trimmed first) are dropped.
-#}
{% macro split_id_list(expr) -%}
    {{ return(adapter.dispatch('split_id_list')(expr)) }}
{%- endmacro %}

{% macro default__split_id_list(expr) -%}
    {{ return(postgres__split_id_list(expr)) }}
{%- endmacro %}

{% macro duckdb__split_id_list(expr) -%}
    list_filter(
        list_transform(
            string_split({{ expr }}, ','),
            lambda element: try_cast(trim(element) as bigint)
        ),
        lambda element: element is not null
    )
{%- endmacro %}

{% macro postgres__split_id_list(expr) -%}
    case
        when {{ expr }} is not null
            then array(
                select cast(trim(elements.value) as bigint)
                from unnest(string_to_array({{ expr }}, ',')) with ordinality as elements (value, position)
                where trim(elements.value) ~ '^-?[0-9]{1,18}$'
                order by elements.position
            )
    end
{%- endmacro %}

{% macro snowflake__split_id_list(expr) -%}
    array_compact(
        transform(
            split({{ expr }}, ','),
            element variant -> try_to_number(trim(element::varchar))::variant
        )
    )
{%- endmacro %}
