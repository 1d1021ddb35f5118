-- One row per day, tool, person (or unmatched identity) and model: requests, input and output
-- tokens and cost, with the tokens and cost a tool does not report estimated from the seeds and
-- flagged (doc block ai_tool_estimation_rule). A person's several identities on one tool (two
-- API keys, say) add up into one row.

with

usage_days as (

    select * from {{ ref('int_ai_tools__usage_days_matched') }}

),

token_averages as (

    select
        cast(tool as varchar) as tool,
        cast(model as varchar) as model,
        cast(input_tokens_per_request as numeric(18, 4)) as input_tokens_per_request,
        cast(output_tokens_per_request as numeric(18, 4)) as output_tokens_per_request

    from {{ ref('ai_tool_token_averages') }}

),

prices as (

    select
        cast(tool as varchar) as tool,
        cast(model as varchar) as model,
        cast(usd_per_million_input_tokens as numeric(18, 6)) as usd_per_million_input_tokens,
        cast(usd_per_million_output_tokens as numeric(18, 6)) as usd_per_million_output_tokens

    from {{ ref('ai_tool_prices') }}

),

-- The tool's row for the model, else its `*` row (any other model).
with_rates as (

    select
        usage_days.*,
        coalesce(
            averages_for_model.input_tokens_per_request, averages_for_tool.input_tokens_per_request
        ) as input_tokens_per_request,
        coalesce(
            averages_for_model.output_tokens_per_request, averages_for_tool.output_tokens_per_request
        ) as output_tokens_per_request,
        coalesce(
            prices_for_model.usd_per_million_input_tokens, prices_for_tool.usd_per_million_input_tokens
        ) as usd_per_million_input_tokens,
        coalesce(
            prices_for_model.usd_per_million_output_tokens, prices_for_tool.usd_per_million_output_tokens
        ) as usd_per_million_output_tokens

    from usage_days
    left join token_averages as averages_for_model
        on usage_days.tool = averages_for_model.tool and usage_days.model = averages_for_model.model
    left join token_averages as averages_for_tool
        on usage_days.tool = averages_for_tool.tool and averages_for_tool.model = '*'
    left join prices as prices_for_model
        on usage_days.tool = prices_for_model.tool and usage_days.model = prices_for_model.model
    left join prices as prices_for_tool
        on usage_days.tool = prices_for_tool.tool and prices_for_tool.model = '*'

),

-- Tokens a tool reports are kept; missing ones are requests x the average, rounded to whole
-- tokens.
tokens as (

    select
        with_rates.*,
        coalesce(
            with_rates.input_tokens,
            cast(round(with_rates.requests * with_rates.input_tokens_per_request, 0) as bigint)
        ) as final_input_tokens,
        coalesce(
            with_rates.output_tokens,
            cast(round(with_rates.requests * with_rates.output_tokens_per_request, 0) as bigint)
        ) as final_output_tokens,
        (
            (with_rates.input_tokens is null and with_rates.input_tokens_per_request is not null)
            or (with_rates.output_tokens is null and with_rates.output_tokens_per_request is not null)
        ) as tokens_estimated

    from with_rates

),

-- A cost a tool reports is kept; a missing one is the tokens (reported or estimated) x the
-- price per million.
costs as (

    select
        tokens.*,
        coalesce(
            tokens.cost_usd,
            cast(
                (
                    tokens.final_input_tokens * tokens.usd_per_million_input_tokens
                    + tokens.final_output_tokens * tokens.usd_per_million_output_tokens
                ) / 1000000
                as numeric(18, 6)
            )
        ) as final_cost_usd,
        (
            tokens.cost_usd is null
            and tokens.final_input_tokens is not null
            and tokens.final_output_tokens is not null
            and tokens.usd_per_million_input_tokens is not null
            and tokens.usd_per_million_output_tokens is not null
        ) as cost_estimated

    from tokens

),

daily as (

    select
        activity_date,
        tool,
        subject_key,
        model,
        max(person_key) as person_key,
        max(person_name) as person_name,
        max(case when is_matched then 1 else 0 end) = 1 as is_matched,
        -- The identity is only shown for an unmatched one (it is the subject); a person may
        -- have several on one tool.
        max(case when not is_matched then identity_type end) as identity_type,
        max(case when not is_matched then identity end) as identity,
        count(distinct identity_type || ':' || identity) as identity_count,
        sum(requests) as requests,
        sum(final_input_tokens) as input_tokens,
        sum(final_output_tokens) as output_tokens,
        max(case when tokens_estimated then 1 else 0 end) = 1 as tokens_are_estimated,
        sum(final_cost_usd) as cost_usd,
        max(case when cost_estimated then 1 else 0 end) = 1 as cost_is_estimated

    from costs
    group by activity_date, tool, subject_key, model

),

final as (

    select
        cast(
            tool || '|' || cast(activity_date as varchar) || '|' || subject_key || '|' || model as varchar
        ) as ai_tool_daily_metric_key,
        cast(activity_date as date) as activity_date,
        {{ iso_week_start('activity_date') }} as week_start,
        cast(tool as varchar) as tool,
        cast(subject_key as varchar) as subject_key,
        cast(person_key as varchar) as person_key,
        cast(person_name as varchar) as person_name,
        cast(is_matched as boolean) as is_matched,
        cast(identity_type as varchar) as identity_type,
        cast(identity as varchar) as identity,
        cast(identity_count as integer) as identity_count,
        cast(model as varchar) as model,
        cast(requests as bigint) as requests,
        cast(input_tokens as bigint) as input_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(tokens_are_estimated as boolean) as tokens_are_estimated,
        cast(cost_usd as numeric(18, 6)) as cost_usd,
        cast(cost_is_estimated as boolean) as cost_is_estimated

    from daily

)

select * from final
