{#-
    PII in the application database's staging models (doc block app_db_pii_rule): the lowercase
    hex SHA-256 of `<salt>:<value>`, NULL for NULL, a blank value or an empty normalised one. The
    value is normalised first by its kind, so the same person hashes alike in every table:
    `email` lowercased and trimmed, `phone` reduced to its digits (a US number's leading country
    code 1 dropped: '+1 555 010 2030' is '5550102030'), `text` as is.

    The salt is a secret and never appears in the SQL: DuckDB calls the Python UDF
    `elt_pii_hash(varchar)` of the dbt-duckdb plugin elt/dbt_duckdb_pii.py (salt from dlt's
    secrets, `sources.app_db.pii_salt`); PostgreSQL reads the session setting `elt.pii_salt`,
    which the dbt process gets from PGOPTIONS (elt/pii.py pgoptions()); Snowflake calls the
    secure UDF `elt_pii_hash(varchar)` the platform team owns (dbt never sees its salt).
-#}
{% macro pii_hash(expr, kind='text') -%}
    {%- set unit_test_salt = var('pii_hash_unit_test_salt', none) -%}
    {%- if unit_test_salt is not none -%}
        {{ return(pii_hash_with_public_salt(pii_normalized(expr, kind), unit_test_salt)) }}
    {%- endif -%}
    {{ return(adapter.dispatch('pii_hash', 'elt_warehouse')(pii_normalized(expr, kind))) }}
{%- endmacro %}

{% macro default__pii_hash(value) -%}
    {%- do exceptions.raise_compiler_error(
        'pii_hash: no salted hash for the ' ~ adapter.type() ~ ' adapter; add a '
        ~ adapter.type() ~ '__pii_hash macro (dbt/macros/app_db/pii_hash.sql)'
    ) -%}
{%- endmacro %}

{#- DuckDB materialises a Python UDF's result only inside the dbt process that registered it: a
    model calling this must be a table, never a view other readers would have to evaluate. -#}
{% macro duckdb__pii_hash(value) -%}
    elt_pii_hash({{ value }})
{%- endmacro %}

{#- The salt from the session (`-c elt.pii_salt=...` in PGOPTIONS). Unset or empty, the first
    value hashed fails the statement with an error naming the setting (the cast of the message
    to an integer): a missing salt never hashes as an empty one, and a build without rows needs
    none. -#}
{% macro postgres__pii_hash(value) -%}
    encode(sha256(convert_to(
        case
            when coalesce(current_setting('elt.pii_salt', true), '') <> ''
                then current_setting('elt.pii_salt', true)
            else cast(cast(
                coalesce(current_setting('elt.pii_salt', true), '')
                || 'no PII salt: set sources.app_db.pii_salt (dbt needs PGOPTIONS=-c elt.pii_salt=..., see elt/pii.py)'
                as integer) as text)
        end || ':' || ({{ value }}),
        'UTF8'
    )), 'hex')
{%- endmacro %}

{% macro snowflake__pii_hash(value) -%}
    elt_pii_hash({{ value }})
{%- endmacro %}


{#- The value a kind of PII is hashed from; NULL when blank. -#}
{% macro pii_normalized(expr, kind='text') -%}
    {%- if kind == 'email' -%}
        nullif(lower(trim({{ expr }})), '')
    {%- elif kind == 'phone' -%}
        {#- US numbers: '+1 555 010 2030' is '(555) 010-2030' with the country code. -#}
        {%- set digits = digits_only(expr) -%}
        nullif(
            case
                when {{ dbt.length(digits) }} = 11 and {{ digits }} like '1%' then {{ dbt.right(digits, 10) }}
                else {{ digits }}
            end,
            ''
        )
    {%- elif kind == 'text' -%}
        nullif({{ expr }}, '')
    {%- else -%}
        {%- do exceptions.raise_compiler_error("pii_hash: kind must be 'email', 'phone' or 'text', got " ~ kind) -%}
    {%- endif -%}
{%- endmacro %}


{#- The digits of a text, in order ('(555) 010-2030' gives '5550102030'); NULL stays NULL. -#}
{% macro digits_only(expr) -%}
    {{ return(adapter.dispatch('digits_only', 'elt_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__digits_only(expr) -%}
    regexp_replace({{ expr }}, '[^0-9]', '', 'g')
{%- endmacro %}

{#- Snowflake's regexp_replace replaces every match without a flag. -#}
{% macro snowflake__digits_only(expr) -%}
    regexp_replace({{ expr }}, '[^0-9]', '')
{%- endmacro %}


{#- Unit tests only (`overrides: vars: {pii_hash_unit_test_salt: ...}`): the same hash with a
    public salt written into the SQL, so a test can expect known hashes (computed with
    hashlib.sha256(b"<salt>:<value>")) and check the normalisation and the formula. Never set
    the var in a real build: it is not the secret salt, and nothing it hashes joins anything. -#}
{% macro pii_hash_with_public_salt(value, salt) -%}
    {{ return(adapter.dispatch('pii_hash_with_public_salt', 'elt_warehouse')(value, salt)) }}
{%- endmacro %}

{% macro default__pii_hash_with_public_salt(value, salt) -%}
    sha256('{{ salt }}' || ':' || ({{ value }}))
{%- endmacro %}

{% macro postgres__pii_hash_with_public_salt(value, salt) -%}
    encode(sha256(convert_to('{{ salt }}' || ':' || ({{ value }}), 'UTF8')), 'hex')
{%- endmacro %}

{% macro snowflake__pii_hash_with_public_salt(value, salt) -%}
    sha2('{{ salt }}' || ':' || ({{ value }}), 256)
{%- endmacro %}
