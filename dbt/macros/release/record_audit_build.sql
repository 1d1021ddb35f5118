{#
    Record which dbt invocation last built each table of the audit build (an on-run-end hook).
    `elt release` makes it part of a build's identity: a table rebuilt by a new `dbt build` is
    a new build even when its rows are the same, and an audit build that nothing rebuilt since
    it was published is not released a second time. Only models tagged `release` that built
    successfully are recorded: a table whose model failed still holds the previous build.
#}
{% macro record_audit_build(results) %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set built = [] %}
    {% for result in results
        if result.node.resource_type == 'model' and 'release' in result.node.tags and result.status == 'success' %}
        {% do built.append(result.node) %}
    {% endfor %}
    {% if built %}
        {% call statement('record_audit_build', auto_begin=True) %}
            {{ elt_warehouse.audit_builds_ddl() }}
            delete from quality.audit_builds where
            {%- for node in built %}
                (lower(table_schema) = lower('{{ node.schema }}') and lower(table_name) = lower('{{ node.alias }}')){{ ' or' if not loop.last }}
            {%- endfor %};
            insert into quality.audit_builds (table_schema, table_name, invocation_id, built_at) values
            {%- for node in built %}
                ('{{ node.schema | lower }}', '{{ node.alias | lower }}', '{{ invocation_id }}', {{ dbt.current_timestamp() }}){{ ',' if not loop.last }}
            {%- endfor %};
        {% endcall %}
        {% do adapter.commit() %}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{% macro audit_builds_ddl() %}
    create schema if not exists quality;
    create table if not exists quality.audit_builds (
        table_schema varchar(128) not null,
        table_name varchar(128) not null,
        invocation_id varchar(64) not null,
        built_at timestamp not null
    );
{% endmacro %}
