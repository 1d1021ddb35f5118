{#-
    Generic tests for the application database's database-scoped keys: an ID is unique only
    within its database (doc block app_db_database_scoped_keys), so uniqueness and references
    hold on (database_name, id). NULLs are not checked (not_null does that).
-#}

{#- No two rows of one database share a value of `column_name`. -#}
{% test unique_per_database(model, column_name, database_column='database_name') %}

select
    {{ database_column }} as database_name,
    {{ column_name }} as duplicated_value,
    count(*) as row_count

from {{ model }}
where {{ column_name }} is not null
group by {{ database_column }}, {{ column_name }}
having count(*) > 1

{% endtest %}


{#- Every value of `column_name` is a `field` of `to` in the same database. -#}
{% test relationships_per_database(model, column_name, to, field, database_column='database_name') %}

with

children as (

    select * from {{ model }}

),

parents as (

    select * from {{ to }}

)

select
    children.{{ database_column }} as database_name,
    children.{{ column_name }} as missing_value

from children
where
    children.{{ column_name }} is not null
    and not exists (
        select 1
        from parents
        where
            parents.{{ database_column }} = children.{{ database_column }}
            and parents.{{ field }} = children.{{ column_name }}
    )

{% endtest %}


{#- Every non-NULL value is a lowercase hex SHA-256 (64 characters of 0-9a-f): a PII column was
    hashed, never copied (doc block app_db_pii_rule). -#}
{% test is_sha256_hex(model, column_name) %}

select {{ column_name }} as not_a_hash
from {{ model }}
where
    {{ column_name }} is not null
    and not ({{ matches_sha256_hex(column_name) }})

{% endtest %}


{% macro matches_sha256_hex(expr) -%}
    {{ return(adapter.dispatch('matches_sha256_hex', 'elt_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__matches_sha256_hex(expr) -%}
    regexp_like({{ expr }}, '^[0-9a-f]{64}$')
{%- endmacro %}

{% macro duckdb__matches_sha256_hex(expr) -%}
    regexp_full_match({{ expr }}, '[0-9a-f]{64}')
{%- endmacro %}

{% macro postgres__matches_sha256_hex(expr) -%}
    {{ expr }} ~ '^[0-9a-f]{64}$'
{%- endmacro %}
