{#-
    service_csv's text-to-timestamp: safe_timestamp, with blank values (NULL, '' or spaces only)
    settled before it is called. The result is the same as safe_timestamp's on every adapter
    (safe_timestamp returns NULL for blanks); the guard is for speed: on DuckDB, try_strptime
    tries every one of its formats before giving up on a blank value, and about half of the
    export's date fields are blank (open requests, open tasks), so unguarded the version cursors
    cost about five times as much CPU as guarded (measured on 857k RAW lines: 2.0 vs 0.4 CPU
    seconds for two columns).
-#}
{% macro service_csv_timestamp(expr) -%}
    case when trim({{ expr }}) <> '' then {{ safe_timestamp(expr) }} end
{%- endmacro %}
