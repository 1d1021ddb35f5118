{#-
    Generic tests of the QQCatalyst models and seeds.
-#}

{#- No two rows share the values of `combination_of_columns` (column names or expressions,
    e.g. `lower(value)`): the seed's unique constraints (source_id with policy_number, ...)
    as tests on staging, and the seeds' own keys. A row with a NULL in the combination is
    counted like any other (NULLs compare equal in GROUP BY). -#}
{% test qqcatalyst_unique_combination(model, combination_of_columns) %}

select
    {% for column in combination_of_columns -%}
    {{ column }} as combination_part_{{ loop.index }},
    {% endfor -%}
    count(*) as row_count

from {{ model }}
group by
    {% for column in combination_of_columns -%}
    {{ column }}{{ ',' if not loop.last }}
    {% endfor %}
having count(*) > 1

{% endtest %}


{#- `failed_rules` is a sorted, distinct, comma-separated list of rule names
    (qqcatalyst_rule_names), '' when none, and `is_valid` says whether it is empty. The lists
    that can be well formed are few (one per subset of the eight rules: 256), so they are
    listed. -#}
{% test qqcatalyst_failed_rules_well_formed(model, column_name, is_valid_column='is_valid') %}

{%- set rules = qqcatalyst_rule_names() | sort -%}
{%- set lists = [] -%}
{%- for subset in range(2 ** (rules | length)) -%}
    {%- set names = [] -%}
    {%- for rule in rules -%}
        {%- if (subset // 2 ** loop.index0) % 2 == 1 -%}
            {%- do names.append(rule) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do lists.append("'" ~ names | join(',') ~ "'") -%}
{%- endfor %}

select
    {{ column_name }} as failed_rules,
    {{ is_valid_column }} as is_valid

from {{ model }}
where
    {{ column_name }} is null
    or {{ is_valid_column }} is null
    or ({{ column_name }} = '') <> {{ is_valid_column }}
    or {{ column_name }} not in ({{ lists | join(', ') }})

{% endtest %}


{#- The audit (`model`, int_qqcatalyst__validation_failures) and the staging models agree: a
    record (with its nested lists) fails a rule in staging's `failed_rules` exactly when the
    audit has a failed value of that rule for it. Rows: (entity, record_key, rule) found on one
    side only. The two read RAW separately, so this also proves they chose the same versions. -#}
{% test qqcatalyst_failures_match_staging(model) %}

{%- set models = qqcatalyst_validated_models() %}

with

staging_rows as (

    {% for name, spec in models.items() if spec.fields -%}
    select
        '{{ spec.table }}' as entity,
        {{ spec.key }} as record_key,
        failed_rules

    from {{ ref('stg_qqcatalyst__' ~ name) }}
    where failed_rules <> ''
    {%- if not loop.last %}

    union all

    {% endif -%}
    {%- endfor %}

),

rule_names as (

    {% for rule in qqcatalyst_rule_names() -%}
    select '{{ rule }}' as rule
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

staging_failures as (

    select distinct
        staging_rows.entity,
        staging_rows.record_key,
        rule_names.rule

    from staging_rows
    inner join rule_names
        on ',' || staging_rows.failed_rules || ',' like '%,' || rule_names.rule || ',%'

),

audit_failures as (

    select distinct
        entity,
        record_key,
        rule

    from {{ model }}

)

select
    'staging only' as found_in,
    staging_failures.*

from staging_failures
where not exists (
    select 1
    from audit_failures
    where
        audit_failures.entity = staging_failures.entity
        and audit_failures.record_key = staging_failures.record_key
        and audit_failures.rule = staging_failures.rule
)

union all

select
    'audit only' as found_in,
    audit_failures.*

from audit_failures
where not exists (
    select 1
    from staging_failures
    where
        staging_failures.entity = audit_failures.entity
        and staging_failures.record_key = audit_failures.record_key
        and staging_failures.rule = audit_failures.rule
)

{% endtest %}
