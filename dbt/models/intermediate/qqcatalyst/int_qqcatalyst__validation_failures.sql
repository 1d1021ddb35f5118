-- The QQCatalyst validation audit: one row per value that failed its rule (doc block
-- qqcatalyst_validation_rules), with the value exactly as the API sent it, in the latest version of
-- every record: the rows the staging models flag in `failed_rules`, value by value. Staging keeps
-- only standardised values, so this model reads the records from RAW itself, through the same
-- macros as staging (qqcatalyst_versions and latest_version_per_key for the versions,
-- qqcatalyst_validated_models for which field each rule checks, the rules' _is_invalid macros):
-- a field is judged here exactly as in staging. A table, not ephemeral: the daily mart and the
-- data team read it, and a view would parse every record again on each read.
{{ config(materialized='table') }}

{%- set models = qqcatalyst_validated_models() -%}
{%- set tables = [] -%}
{%- for model, spec in models.items() -%}
    {%- if spec.fields and spec.table not in tables -%}
        {%- do tables.append(spec.table) -%}
    {%- endif -%}
{%- endfor %}

with

{% for table in tables -%}
{{ table }}_versions as (

    {{ qqcatalyst_versions(table, 'record_key') }}

),

{{ table }}_latest as (

    {{ latest_version_per_key(table ~ '_versions', 'record_key', 'date_last_modified') }}

),

{% endfor -%}

{#- One CTE per staging model: the raw text of each checked field, `value_<n>` in the order of
    its fields, beside the record's identity (and, for a nested list, the entry's position). -#}
{% for model, spec in models.items() if spec.fields -%}
{%- set latest = spec.table ~ '_latest' -%}
{%- set fields = {} -%}
{%- for path, column, rule in spec.fields -%}
    {%- do fields.update({path: 'value_' ~ loop.index}) -%}
{%- endfor -%}
{{ model }}_values as (

    select
        {{ latest }}.agency,
        {{ latest }}.source_id,
        {{ latest }}.record_key,
        {{ latest }}.date_last_modified,
        {% if spec.array -%}
        {{ qqcatalyst_array_index('elements') }} as position,
        {{ json_path_fields(json_array_element('elements'), fields) }}
        {%- else -%}
        {{ json_path_fields(latest ~ '.record', fields) }}
        {%- endif %}

    from {{ latest }}
    {%- if spec.array %}
    {{ qqcatalyst_unnest_array(latest ~ '.record', spec.array, 'elements') }}
    {%- endif %}

),

{% endfor -%}

failures as (

    {% for model, spec in models.items() if spec.fields -%}
    {%- set outer_loop = loop -%}
    {%- for path, column, rule in spec.fields %}
    select
        agency,
        '{{ spec.table }}' as entity,
        source_id,
        record_key,
        {% if spec.array -%}
        '{{ spec.array }}[' || cast(position as varchar) || '].{{ path }}' as field,
        {%- else -%}
        '{{ path }}' as field,
        {%- endif %}
        '{{ rule }}' as rule,
        value_{{ loop.index }} as raw_value,
        date_last_modified

    from {{ model }}_values
    where {{ qqcatalyst_is_invalid(rule, 'value_' ~ loop.index, spec.table, path) }}
    {%- if not (outer_loop.last and loop.last) %}

    union all
    {% endif -%}
    {%- endfor -%}
    {%- endfor %}

),

final as (

    select
        cast(entity || '|' || record_key || '|' || field as varchar) as validation_failure_key,
        cast(agency as varchar) as agency,
        cast(entity as varchar) as entity,
        cast(source_id as varchar) as source_id,
        cast(record_key as varchar) as record_key,
        cast(field as varchar) as field,
        cast(rule as varchar) as rule,
        cast(raw_value as varchar) as raw_value,
        date_last_modified

    from failures

)

select * from final
