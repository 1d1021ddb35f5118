-- Windsurf Cascade runs (`POST /api/v1/CascadeAnalytics`, `cascade_runs`), asked per user: one row
-- per day, model, mode and conversation. The API's rows carry no email: `_queried_email` is the
-- user the loader asked for. Units: `day` is RFC 3339; every number is a JSON string;
-- `promptsUsed` is credits in CENTS (hundredths of a credit). No tokens, no dollars.

with

source as (

    select * from {{ ai_tools_latest_reads('windsurf_cascade_runs') }} as latest_reads

),

renamed as (

    select
        {{ json_path_fields('record', {
            'day': 'day',
            'model': 'model',
            'mode': 'mode',
            'messagesSent': 'messages_sent',
            'cascadeId': 'cascade_id',
            'promptsUsed': 'prompts_used',
            '_queried_email': 'queried_email',
        }) }},
        _dlt_id as dlt_id,
        _dlt_load_id as dlt_load_id

    from source

),

final as (

    select
        dlt_id as cascade_run_key,
        cast({{ safe_rfc3339_timestamp('day') }} as date) as activity_date,
        lower(trim(queried_email)) as user_email,
        coalesce({{ nullif_blank('lower(trim(model))') }}, 'unknown') as model,
        {{ nullif_blank('mode') }} as mode,
        {{ nullif_blank('cascade_id') }} as cascade_id,
        {{ safe_integer('messages_sent') }} as messages_sent,
        {{ safe_integer('prompts_used') }} as prompt_credit_cents,
        cast({{ safe_decimal('prompts_used', 18, 2) }} / 100 as decimal(18, 2)) as prompt_credits,
        dlt_load_id

    from renamed

)

select * from final
