-- OpenAI organization costs per day, project and line item (`GET /v1/organization/costs`,
-- grouped by project_id and line_item: the API has no per-user cost), each daily bucket's
-- `results` unnested. The day is the bucket's `start_time` (unix seconds, UTC); `amount.value`
-- is USD as a JSON float (read as a float, rounded to 6 decimals). For the spend mart.

with

buckets as (

    select
        latest_buckets.record,
        latest_buckets._report_day as report_day,
        {{ json_path_fields('latest_buckets.record', {'start_time': 'start_time'}) }}

    from {{ ai_tools_latest_reads('openai_cost_buckets') }} as latest_buckets

),

results as (

    select
        buckets.report_day,
        buckets.start_time,
        {{ json_path_fields(json_array_element('result'), {
            'project_id': 'project_id',
            'line_item': 'line_item',
            'amount.value': 'amount_value',
            'amount.currency': 'currency',
        }) }}

    from buckets
    {{ unnest_json_array('buckets.record', 'results', 'result') }}

),

typed as (

    select
        -- unix seconds -> the UTC day (86,400 seconds a day)
        coalesce(
            cast({{ dbt.dateadd(
                'day',
                'cast(floor(' ~ safe_integer('start_time') ~ ' / 86400) as integer)',
                "cast('1970-01-01' as date)",
            ) }} as date),
            report_day
        ) as activity_date,
        coalesce({{ nullif_blank('project_id') }}, '(none)') as project_id,
        coalesce({{ nullif_blank('line_item') }}, 'all') as line_item,
        lower(coalesce({{ nullif_blank('currency') }}, 'usd')) as currency,
        {{ safe_float('amount_value') }} as amount

    from results

),

summed as (

    select
        activity_date,
        project_id,
        line_item,
        currency,
        sum(amount) as amount

    from typed
    group by activity_date, project_id, line_item, currency

)

select
    cast(activity_date as {{ dbt.type_string() }}) || '|' || project_id || '|' || line_item || '|' || currency as cost_key,
    activity_date,
    'openai' as tool,
    project_id,
    line_item,
    currency,
    cast(round(cast(amount as decimal(38, 10)), 6) as decimal(18, 6)) as cost_usd

from summed
