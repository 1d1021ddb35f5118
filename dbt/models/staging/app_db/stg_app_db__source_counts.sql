-- The source's own row counts: one row per (database, table, load), `select count(*)` of the
-- table at the source in the same transaction as its key set (doc block app_db_raw_source_counts).
-- is_latest marks each (database, table)'s newest count, the one the key set in
-- stg_app_db__table_keys belongs to and fct_app_db_reconciliation compares against.

with

source as (

    select * from {{ app_db_source('source_counts') }}

),

typed as (

    select
        _database as database_name,
        lower(trim(table_name)) as table_name,
        cast(row_count as bigint) as row_count,
        {{ utc_timestamp('_extracted_at') }} as counted_at,
        _dlt_load_id as dlt_load_id

    from source

),

ranked as (

    select
        *,
        row_number() over (
            partition by database_name, table_name
            order by dlt_load_id desc, counted_at desc
        ) as count_rank

    from typed

),

final as (

    select
        database_name,
        table_name,
        row_count,
        counted_at,
        count_rank = 1 as is_latest,
        dlt_load_id

    from ranked

)

select * from final
