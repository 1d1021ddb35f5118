-- Each usage day matched to the person its identity belongs to, through the identity map the
-- team maintains (seed ai_tool_identities; doc block ai_tool_identity_matching). An identity
-- the map does not know keeps its row, with no person: it is listed, never dropped.

with

usage_days as (

    select * from {{ ref('int_ai_tools__usage_days_unioned') }}

),

identity_map as (

    select
        cast(person_key as varchar) as person_key,
        cast(person_name as varchar) as person_name,
        cast(identity_type as varchar) as identity_type,
        -- Emails and GitHub logins are case-insensitive; keys and ids are matched exactly.
        case
            when identity_type in ('email', 'github_login') then lower(trim(identity))
            else trim(identity)
        end as identity_match,
        cast(nullif(trim(tool), '') as varchar) as tool

    from {{ ref('ai_tool_identities') }}

),

usage_days_normalised as (

    select
        usage_days.*,
        case
            when usage_days.identity_type in ('email', 'github_login') then lower(trim(usage_days.identity))
            else trim(usage_days.identity)
        end as identity_match

    from usage_days

),

-- A map row naming the tool wins over one for any tool (blank `tool`).
candidates as (

    select
        usage_days_normalised.usage_day_key,
        identity_map.person_key,
        identity_map.person_name,
        row_number() over (
            partition by usage_days_normalised.usage_day_key
            order by case when identity_map.tool is null then 1 else 0 end, identity_map.person_key
        ) as match_rank

    from usage_days_normalised
    inner join identity_map
        on
            usage_days_normalised.identity_type = identity_map.identity_type
            and usage_days_normalised.identity_match = identity_map.identity_match
            and (identity_map.tool is null or identity_map.tool = usage_days_normalised.tool)

),

matched as (

    select
        usage_days_normalised.usage_day_key,
        usage_days_normalised.activity_date,
        usage_days_normalised.tool,
        usage_days_normalised.identity_type,
        usage_days_normalised.identity,
        candidates.person_key,
        candidates.person_name,
        candidates.person_key is not null as is_matched,
        coalesce(
            candidates.person_key,
            usage_days_normalised.identity_type || ':' || usage_days_normalised.identity
        ) as subject_key,
        usage_days_normalised.model,
        usage_days_normalised.requests,
        usage_days_normalised.input_tokens,
        usage_days_normalised.output_tokens,
        usage_days_normalised.cost_usd

    from usage_days_normalised
    left join candidates
        on
            usage_days_normalised.usage_day_key = candidates.usage_day_key
            and candidates.match_rank = 1

)

select * from matched
