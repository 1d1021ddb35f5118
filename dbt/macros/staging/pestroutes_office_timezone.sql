{#-
    The IANA zone a PestRoutes RAW row's local times are written in: the office's zone as the
    loader landed it, or the project's default (var pestroutes_default_timezone) for a row landed
    without one. Plain `coalesce`: the same on every adapter.
-#}
{% macro pestroutes_office_timezone(timezone_column='_office_timezone') -%}
    coalesce({{ timezone_column }}, '{{ var("pestroutes_default_timezone") }}')
{%- endmacro %}
