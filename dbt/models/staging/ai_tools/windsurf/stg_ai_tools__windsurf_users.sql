-- Windsurf's team page (`POST /api/v1/UserPageAnalytics`) as last read: one row per user. NOT
-- daily: `active_days` counts the active days of the whole range the load asked for
-- (`active_days_from`..`active_days_to`), `prompt_credits_used` covers the billing cycle.

with

source as (

    select * from {{ ai_tools_latest_reads('windsurf_users') }} as latest_reads

),

newest as (

    select *
    from source
    where _dlt_load_id = (select max(_dlt_load_id) from source)

),

renamed as (

    select
        {{ json_path_fields('record', {
            'email': 'email',
            'name': 'user_name',
            'activeDays': 'active_days',
            'promptCreditsUsed': 'prompt_credits_used',
            'lastUpdateTime': 'last_update_time',
            'lastAutocompleteUsageTime': 'last_autocomplete_usage_time',
            'lastChatUsageTime': 'last_chat_usage_time',
            '_range_start': 'range_start',
            '_range_end': 'range_end',
        }) }},
        _dlt_load_id as dlt_load_id

    from newest

),

final as (

    select
        lower(trim(email)) as user_email,
        {{ nullif_blank('user_name') }} as user_name,
        {{ safe_integer('active_days') }} as active_days,
        {{ safe_date('range_start') }} as active_days_from,
        {{ safe_date('range_end') }} as active_days_to,
        cast({{ safe_decimal('prompt_credits_used', 18, 2) }} / 100 as decimal(18, 2)) as prompt_credits_used,
        {{ safe_rfc3339_timestamp('last_update_time') }} as last_update_at,
        {{ safe_rfc3339_timestamp('last_autocomplete_usage_time') }} as last_autocomplete_at,
        {{ safe_rfc3339_timestamp('last_chat_usage_time') }} as last_cascade_at,
        dlt_load_id

    from renamed

)

select * from final
