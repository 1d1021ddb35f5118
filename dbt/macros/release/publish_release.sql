{#
    Publish an audited build: copy every table of each audit schema into the schema consumers
    read, drop tables the release no longer has, and record the release, all in one
    transaction, so readers see the old release or the new one and never half of each.
    Called by `elt release` only after every GX checkpoint passed.
#}
{% macro publish_release(release_id, schemas, checks_passed, checks_total, build_id='') %}
    {{ return(adapter.dispatch('publish_release', 'elt_warehouse')(release_id, schemas, checks_passed, checks_total, build_id)) }}
{% endmacro %}

{% macro default__publish_release(release_id, schemas, checks_passed, checks_total, build_id='') %}
    {% set published = [] %}
    {% call statement('publish_release', auto_begin=True) %}
        {% for audit_schema, public_schema in schemas.items() %}
            create schema if not exists {{ public_schema }};
            {% set audit_tables = elt_warehouse.list_schema_tables(audit_schema) %}
            {% for table in elt_warehouse.list_schema_tables(public_schema) if table not in audit_tables %}
                drop table if exists {{ public_schema }}.{{ table }} cascade;
            {% endfor %}
            {% for table in audit_tables %}
                drop table if exists {{ public_schema }}.{{ table }} cascade;
                create table {{ public_schema }}.{{ table }} as select * from {{ audit_schema }}.{{ table }};
                {% do published.append(public_schema ~ '.' ~ table) %}
            {% endfor %}
            {{ elt_warehouse.grant_published_schema(public_schema) }}
        {% endfor %}
        {{ elt_warehouse.release_history_ddl() }}
        insert into quality.release_history (release_id, released_at, status, tables_published, checks_passed, checks_total, build_id)
        values ('{{ release_id }}', {{ dbt.current_timestamp() }}, 'published', '{{ published | join(",") }}', {{ checks_passed }}, {{ checks_total }}, '{{ build_id }}');
    {% endcall %}
    {% do adapter.commit() %}
    {{ log("published " ~ published | length ~ " tables as release " ~ release_id, info=True) }}
{% endmacro %}

{#
    Snowflake: publish by `alter schema <audit> swap with <public>`, a metadata-only, atomic
    rename per schema (no table is copied, however large), then re-create the audit schema as a
    zero-copy clone of what was published, so it holds the release build as on the other
    warehouses. Grants on a schema travel with it in a swap: the consumer roles are granted
    read on the published schemas again: ELT_SNOWFLAKE_CONSUMER_ROLES (comma-separated) on every
    one, ELT_SNOWFLAKE_ANALYTICS_ROLES on analytics only, ELT_SNOWFLAKE_ML_ROLES on ml only. Each swap is atomic on its own; the schemas are swapped one after the other.
#}
{% macro snowflake__publish_release(release_id, schemas, checks_passed, checks_total, build_id='') %}
    {% set published = [] %}
    {% set consumer_roles = env_var('ELT_SNOWFLAKE_CONSUMER_ROLES', '').split(',') | map('trim') | select | list %}
    {% for audit_schema, public_schema in schemas.items() %}
        {% set schema_roles = env_var('ELT_SNOWFLAKE_' ~ public_schema | upper ~ '_ROLES', '').split(',') | map('trim') | select | list %}
        {% for table in elt_warehouse.list_schema_tables(audit_schema) %}
            {% do published.append(public_schema ~ '.' ~ table) %}
        {% endfor %}
        {% call statement('publish_' ~ public_schema) %}
            create schema if not exists {{ public_schema }};
            alter schema {{ audit_schema }} swap with {{ public_schema }};
            create or replace schema {{ audit_schema }} clone {{ public_schema }};
            {% for role in consumer_roles + schema_roles %}
                grant usage on schema {{ public_schema }} to role {{ role }};
                grant select on all tables in schema {{ public_schema }} to role {{ role }};
                grant select on all views in schema {{ public_schema }} to role {{ role }};
            {% endfor %}
        {% endcall %}
    {% endfor %}
    {% call statement('record_release') %}
        {{ elt_warehouse.release_history_ddl() }}
        insert into quality.release_history (release_id, released_at, status, tables_published, checks_passed, checks_total, build_id)
        values ('{{ release_id }}', {{ dbt.current_timestamp() }}, 'published', '{{ published | join(",") }}', {{ checks_passed }}, {{ checks_total }}, '{{ build_id }}');
    {% endcall %}
    {% do adapter.commit() %}
    {{ log("published " ~ published | length ~ " tables as release " ~ release_id ~ " (schema swap)", info=True) }}
{% endmacro %}

{#
    Record a release that was blocked by failing checks: nothing is published, the history
    says why.
#}
{% macro record_blocked_release(release_id, failures, checks_passed, checks_total, build_id='') %}
    {% call statement('record_blocked_release', auto_begin=True) %}
        {{ elt_warehouse.release_history_ddl() }}
        insert into quality.release_history (release_id, released_at, status, tables_published, checks_passed, checks_total, failures, build_id)
        values ('{{ release_id }}', {{ dbt.current_timestamp() }}, 'blocked', '', {{ checks_passed }}, {{ checks_total }}, '{{ failures | replace("'", "''") }}', '{{ build_id }}');
    {% endcall %}
    {% do adapter.commit() %}
{% endmacro %}

{% macro release_history_ddl() %}
    create schema if not exists quality;
    create table if not exists quality.release_history (
        release_id varchar(64) not null,
        released_at timestamp not null,
        status varchar(16) not null,
        tables_published varchar(4000),
        checks_passed integer,
        checks_total integer,
        failures varchar(8000)
    );
    {#- A release history written before builds had an identity gets the column. #}
    alter table quality.release_history add column if not exists build_id varchar(64);
{% endmacro %}

{% macro list_schema_tables(schema_name) %}
    {% set query %}
        select table_name from information_schema.tables
        where lower(table_schema) = lower('{{ schema_name }}') and table_type in ('BASE TABLE', 'TABLE')
        order by table_name
    {% endset %}
    {% if execute %}
        {{ return(run_query(query).columns[0].values() | list) }}
    {% endif %}
    {{ return([]) }}
{% endmacro %}

{#
    Let the consumer roles read one published schema, inside the publish transaction (the tables
    were just re-created, so their grants are too). Consumers get their published schemas and
    nothing else: no RAW, staging or audit schema is ever granted to them.
    Roles: var `release_reader_roles`, a mapping published schema -> roles (dbt_project.yml:
    `analyst` reads analytics, `data_scientist` reads ml, the read-only roles of the throwaway
    PostgreSQL server); a plain list grants every published schema to each role in it.
    DuckDB has no roles: a no-op there.
#}
{% macro release_readers(schema_name) %}
    {% set readers = var('release_reader_roles', {'analytics': ['analyst'], 'ml': ['data_scientist']}) %}
    {% if readers is mapping %}
        {{ return(readers.get(schema_name, []) | list) }}
    {% endif %}
    {{ return(readers | list) }}
{% endmacro %}

{% macro grant_published_schema(schema_name) %}
    {{ return(adapter.dispatch('grant_published_schema', 'elt_warehouse')(schema_name)) }}
{% endmacro %}

{% macro default__grant_published_schema(schema_name) %}{% endmacro %}

{% macro postgres__grant_published_schema(schema_name) %}
    {% for role in elt_warehouse.release_readers(schema_name) %}
        grant usage on schema {{ schema_name }} to {{ adapter.quote(role) }};
        grant select on all tables in schema {{ schema_name }} to {{ adapter.quote(role) }};
    {% endfor %}
{% endmacro %}
