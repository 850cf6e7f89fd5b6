{#- The number of distinct non-NULL values of `measure` in a window frame:
    `window` is what follows OVER (a window's name, or its definition in
    parentheses). DuckDB counts DISTINCT in a frame; Spark refuses DISTINCT in
    window functions, so it collects the frame's set and counts that. -#}
{% macro windowed_distinct_count(measure, window) -%}
    {{ return(adapter.dispatch('windowed_distinct_count')(measure, window)) }}
{%- endmacro %}

{% macro duckdb__windowed_distinct_count(measure, window) -%}
    count(distinct {{ measure }}) over {{ window }}
{%- endmacro %}

{% macro spark__windowed_distinct_count(measure, window) -%}
    size(collect_set({{ measure }}) over {{ window }})
{%- endmacro %}
