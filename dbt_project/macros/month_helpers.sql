{#- Warehouse timestamps are already local (Asia/Shanghai) wall-clock time, so
    a month is a plain truncation. -#}
{% macro month_of(column) -%}
    cast(date_trunc('month', {{ column }}) as date)
{%- endmacro %}

{#- One row per month between bounds.first_month and bounds.last_month.
    DuckDB's generate_series; other engines get their own version here. -#}
{% macro month_spine(bounds_relation) -%}
select cast(month_start as date) as month
from {{ bounds_relation }},
    generate_series(
        cast({{ bounds_relation }}.first_month as timestamp),
        cast({{ bounds_relation }}.last_month as timestamp),
        interval 1 month
    ) as months(month_start)
where {{ bounds_relation }}.first_month is not null
{%- endmacro %}

{#- Minutes between two timestamps, fractional. -#}
{% macro minutes_between(start_column, end_column) -%}
    (epoch({{ end_column }}) - epoch({{ start_column }})) / 60.0
{%- endmacro %}
