-- One row per cancellation reason per office: why subscriptions (and customers) were cancelled.

with

cancellation_reasons as (

    select * from {{ ref('stg_pestroutes__cancellation_reasons') }}

),

final as (

    select
        cast(cancellation_reasons.cancellation_reason_key as varchar) as cancellation_reason_key,
        cast(cancellation_reasons.cancellation_reason_id as bigint) as cancellation_reason_id,
        cast(cancellation_reasons.office_name as varchar) as office_name,
        cast(cancellation_reasons.reason as varchar) as cancellation_reason,
        cast(coalesce(cancellation_reasons.active, false) as boolean) as is_active,
        cast(coalesce(cancellation_reasons.visible, false) as boolean) as is_visible

    from cancellation_reasons

)

select * from final
