-- Invalid QQCatalyst values per day, entity and rule (doc block
-- qqcatalyst_invalid_values_daily_rule): for every day on which records of an entity were last
-- modified, and every rule that entity's fields are checked by, how many of those records failed
-- the rule and how many values did, zeros included, beside the same share over the 28 days
-- before. The records are the latest versions staging holds (deleted ones included: their values
-- were sent all the same); the failures come from int_qqcatalyst__validation_failures, which
-- judges them with the same rules. Rebuilt whole on every build.

{%- set rules_by_table = qqcatalyst_rules_by_table() -%}
{%- set tables = [] -%}
{%- for table in rules_by_table | sort if rules_by_table[table] -%}
    {%- do tables.append(table) -%}
{%- endfor %}

with

failures as (

    select * from {{ ref('int_qqcatalyst__validation_failures') }}
    where date_last_modified is not null

),

-- Records of each entity by the day they were last modified (UTC).
records as (

    {% for table in tables -%}
    select
        '{{ table }}' as entity,
        cast(date_last_modified as date) as modified_date

    from {{ ref('stg_qqcatalyst__' ~ table) }}
    where date_last_modified is not null
    {%- if not loop.last %}

    union all

    {% endif -%}
    {%- endfor %}

),

records_daily as (

    select
        modified_date,
        entity,
        count(*) as record_count

    from records
    group by modified_date, entity

),

-- The rules that check each entity's fields (qqcatalyst_validated_models), nested lists included.
entity_rules as (

    {% for table in tables -%}
    {%- set outer_loop = loop -%}
    {%- for rule in rules_by_table[table] -%}
    select
        '{{ table }}' as entity,
        '{{ rule }}' as rule
    {%- if not (outer_loop.last and loop.last) %}
    union all
    {% endif -%}
    {%- endfor -%}
    {%- endfor %}

),

failures_daily as (

    select
        cast(date_last_modified as date) as modified_date,
        entity,
        rule,
        count(*) as invalid_value_count,
        count(distinct record_key) as invalid_record_count

    from failures
    group by cast(date_last_modified as date), entity, rule

),

daily as (

    select
        records_daily.modified_date,
        records_daily.entity,
        entity_rules.rule,
        records_daily.record_count,
        coalesce(failures_daily.invalid_record_count, 0) as invalid_record_count,
        coalesce(failures_daily.invalid_value_count, 0) as invalid_value_count

    from records_daily
    inner join entity_rules
        on records_daily.entity = entity_rules.entity
    left join failures_daily
        on
            records_daily.modified_date = failures_daily.modified_date
            and records_daily.entity = failures_daily.entity
            and entity_rules.rule = failures_daily.rule

),

-- The 28 days before each day (the day itself excluded): the baseline the day is compared with.
baseline as (

    select
        this_day.modified_date,
        this_day.entity,
        this_day.rule,
        coalesce(sum(earlier.record_count), 0) as trailing_record_count,
        coalesce(sum(earlier.invalid_record_count), 0) as trailing_invalid_record_count

    from daily as this_day
    left join daily as earlier
        on
            this_day.entity = earlier.entity
            and this_day.rule = earlier.rule
            and earlier.modified_date < this_day.modified_date
            and earlier.modified_date >= {{ dbt.dateadd('day', -28, 'this_day.modified_date') }}
    group by this_day.modified_date, this_day.entity, this_day.rule

),

shares as (

    select
        daily.modified_date,
        daily.entity,
        daily.rule,
        daily.record_count,
        daily.invalid_record_count,
        daily.invalid_value_count,
        cast(daily.invalid_record_count as numeric(18, 6)) / daily.record_count as invalid_record_share,
        baseline.trailing_record_count,
        baseline.trailing_invalid_record_count,
        cast(baseline.trailing_invalid_record_count as numeric(18, 6))
        / nullif(baseline.trailing_record_count, 0) as trailing_invalid_record_share

    from daily
    inner join baseline
        on
            daily.modified_date = baseline.modified_date
            and daily.entity = baseline.entity
            and daily.rule = baseline.rule

),

final as (

    select
        cast(
            cast(modified_date as varchar) || '|' || entity || '|' || rule
            as varchar
        ) as invalid_values_day_key,
        cast(modified_date as date) as modified_date,
        cast(entity as varchar) as entity,
        cast(rule as varchar) as rule,
        cast(record_count as integer) as record_count,
        cast(invalid_record_count as integer) as invalid_record_count,
        cast(invalid_value_count as integer) as invalid_value_count,
        cast(invalid_record_share as numeric(9, 6)) as invalid_record_share,
        cast(trailing_record_count as integer) as trailing_28_day_record_count,
        cast(trailing_invalid_record_count as integer) as trailing_28_day_invalid_record_count,
        cast(trailing_invalid_record_share as numeric(9, 6)) as trailing_28_day_invalid_record_share,
        cast(invalid_record_share - trailing_invalid_record_share as numeric(9, 6)) as invalid_record_share_change

    from shares

)

select * from final
