{#- The rows of an AI tool RAW table that staging keeps: per (tool, day), those of the newest
    load that read the day whole (raw_ai_tools.report_days). A restated day's newer read replaces
    the older one whole: changed values converge and rows the API no longer reports vanish,
    whatever day the load ran. Rows of a load that failed half-way are never kept. -#}
{% macro ai_tools_latest_reads(table_name) -%}
    (
        select rows_read.*
        -- source_or_empty names a missing table's empty stand-in itself: selected from, it takes
        -- this alias either way.
        from (select * from {{ source_or_empty('ai_tools', table_name) }}) as rows_read
        inner join (
            select _tool, _report_day, max(_dlt_load_id) as newest_load_id
            from (select * from {{ source_or_empty('ai_tools', 'report_days') }}) as report_days
            where table_name = '{{ table_name }}'
            group by _tool, _report_day
        ) as newest_reads
            on rows_read._tool = newest_reads._tool
            and rows_read._report_day = newest_reads._report_day
            and rows_read._dlt_load_id = newest_reads.newest_load_id
    )
{%- endmacro %}
