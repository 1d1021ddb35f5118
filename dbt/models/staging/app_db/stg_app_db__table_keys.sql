-- The source's key sets: one row per (database, table, id) the source table held when the
-- newest load read its keys (raw_app_db.keys_<table>, replaced per database at every load; doc
-- block app_db_raw_keys). One model for the twelve key tables, which share their columns: the
-- reconciliation compares them with the staged rows of each table.

{%- set tables = [
    'users', 'addresses', 'vendors', 'vendor_services', 'vendor_prices', 'promotions',
    'bookings', 'booking_items', 'payments', 'refunds', 'reviews', 'messages',
] %}

with

{% for table in tables %}
keys_{{ table }} as (

    select
        _database as database_name,
        '{{ table }}' as table_name,
        cast(id as bigint) as id,
        _extracted_at,
        _dlt_load_id

    from {{ app_db_source('keys_' ~ table) }}

),

{% endfor %}
unioned as (

    {%- for table in tables %}
    select * from keys_{{ table }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        database_name,
        cast(table_name as varchar) as table_name,
        id as record_id,
        {{ utc_timestamp('_extracted_at') }} as keys_read_at,
        _dlt_load_id as dlt_load_id

    from unioned

)

select * from final
