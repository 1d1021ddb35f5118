{#- One row per booking (database_name, booking_id): its current state from the latest version
    in staging, its amounts in dollars, GMV and commission (doc block marketplace_gmv_rule) and
    the vendor's response time. Incremental (merge on the key): a run merges the bookings whose
    latest version landed after the newest load already merged (dlt_load_id), those not merged
    yet, and those whose hard-delete flag changed without a new version (a key read adds no
    version). The commission rate is the one valid when the booking was created, from
    app_db_vendors_snapshot: versions the snapshot gains later start after that moment, so a
    merged row equals what a full build gives. on_schema_change 'fail': a changed column list
    needs a --full-refresh. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['database_name', 'booking_id'],
        on_schema_change='fail',
    )
}}

with

bookings as (

    select * from {{ ref('stg_app_db__bookings') }}

),

vendor_versions as (

    select * from {{ ref('app_db_vendors_snapshot') }}

),

{% if is_incremental() %}

merged_through as (

    select coalesce(max(dlt_load_id), '') as dlt_load_id from {{ this }}

),

changed_bookings as (

    -- A new version landed (confirmed, rescheduled, completed, cancelled ...).
    select
        bookings.database_name,
        bookings.booking_id
    from bookings
    cross join merged_through
    where bookings.dlt_load_id > merged_through.dlt_load_id

    union

    -- Not merged yet, or a key read found it deleted at the source.
    select
        bookings.database_name,
        bookings.booking_id
    from bookings
    left join {{ this }} as merged
        on
            bookings.database_name = merged.database_name
            and bookings.booking_id = merged.booking_id
    where
        merged.booking_id is null
        or merged.is_hard_deleted <> bookings.is_hard_deleted

),

{% endif %}

in_scope as (

    select bookings.*
    from bookings
    {%- if is_incremental() %}
    inner join changed_bookings
        on
            bookings.database_name = changed_bookings.database_name
            and bookings.booking_id = changed_bookings.booking_id
    {%- endif %}

),

-- The vendor's version valid when the booking was created (versions do not overlap).
rate_at_creation as (

    select
        in_scope.database_name,
        in_scope.booking_id,
        vendor_versions.commission_rate

    from in_scope
    inner join vendor_versions
        on
            in_scope.database_name = vendor_versions.database_name
            and in_scope.vendor_id = vendor_versions.vendor_id
            and vendor_versions.dbt_valid_from <= in_scope.created_at
            and (vendor_versions.dbt_valid_to is null or vendor_versions.dbt_valid_to > in_scope.created_at)

),

-- A booking created before the snapshot first saw its vendor takes the earliest rate known.
earliest_vendor_versions as (

    select
        database_name,
        vendor_id,
        commission_rate

    from (
        select
            database_name,
            vendor_id,
            commission_rate,
            row_number() over (
                partition by database_name, vendor_id
                order by dbt_valid_from
            ) as version_order

        from vendor_versions
    ) as ordered_versions
    where version_order = 1

),

joined as (

    select
        in_scope.*,
        coalesce(rate_at_creation.commission_rate, earliest_vendor_versions.commission_rate) as commission_rate,
        case
            when rate_at_creation.commission_rate is not null then 'valid_at_creation'
            when earliest_vendor_versions.commission_rate is not null then 'earliest_known'
        end as commission_rate_basis

    from in_scope
    left join rate_at_creation
        on
            in_scope.database_name = rate_at_creation.database_name
            and in_scope.booking_id = rate_at_creation.booking_id
    left join earliest_vendor_versions
        on
            in_scope.database_name = earliest_vendor_versions.database_name
            and in_scope.vendor_id = earliest_vendor_versions.vendor_id

),

measured as (

    select
        *,
        booking_status = 'completed' as is_completed,
        booking_status = 'cancelled' as is_cancelled,
        booking_status = 'no_show' as is_no_show,
        {{ cents_to_dollars('subtotal_cents') }} as subtotal_amount,
        {{ cents_to_dollars('discount_cents') }} as discount_amount,
        {{ cents_to_dollars('total_cents') }} as total_amount,
        -- Doc block marketplace_gmv_rule: a completed booking's total, nothing before completion.
        case
            when booking_status = 'completed' and not is_hard_deleted then {{ cents_to_dollars('total_cents') }}
            else 0
        end as gmv_amount

    from joined

),

final as (

    select
        cast(database_name as varchar) as database_name,
        cast(booking_id as bigint) as booking_id,
        cast(user_id as bigint) as user_id,
        cast(vendor_id as bigint) as vendor_id,
        cast(vendor_service_id as bigint) as vendor_service_id,
        cast(address_id as bigint) as address_id,
        cast(promotion_id as bigint) as promotion_id,
        cast(booking_status as varchar) as booking_status,
        cast(is_completed as boolean) as is_completed,
        cast(is_cancelled as boolean) as is_cancelled,
        cast(is_no_show as boolean) as is_no_show,
        cast(cancelled_by as varchar) as cancelled_by,
        cast(cancellation_reason as varchar) as cancellation_reason,
        cast(created_at as timestamp) as created_at,
        cast(created_at as date) as booking_date,
        cast(scheduled_start_at as timestamp) as scheduled_start_at,
        cast(scheduled_end_at as timestamp) as scheduled_end_at,
        cast(vendor_responded_at as timestamp) as vendor_responded_at,
        cast(completed_at as timestamp) as completed_at,
        cast(completed_at as date) as completed_date,
        cast(cancelled_at as timestamp) as cancelled_at,
        cast(updated_at as timestamp) as updated_at,
        cast(
            {{ dbt.datediff('created_at', 'vendor_responded_at', 'second') }} / 60.0 as numeric(18, 2)
        ) as vendor_response_minutes,
        cast(subtotal_amount as numeric(18, 2)) as subtotal_amount,
        cast(discount_amount as numeric(18, 2)) as discount_amount,
        cast(total_amount as numeric(18, 2)) as total_amount,
        cast(gmv_amount as numeric(18, 2)) as gmv_amount,
        cast(commission_rate as numeric(5, 4)) as commission_rate,
        cast(commission_rate_basis as varchar) as commission_rate_basis,
        cast(round(gmv_amount * coalesce(commission_rate, 0), 2) as numeric(18, 2)) as commission_amount,
        cast(is_hard_deleted as boolean) as is_hard_deleted,
        cast(dlt_load_id as varchar) as dlt_load_id

    from measured

)

select * from final
