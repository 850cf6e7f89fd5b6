{#- Warehouse timestamps are already local (Asia/Shanghai) wall-clock time, so
    a month is a plain truncation. -#}
{% macro month_of(column) -%}
    cast(date_trunc('month', {{ column }}) as date)
{%- endmacro %}

{#- One row per distinct month that has data (no gap filling: a spine from
    the first to the last month grows without bound on one absurd date). -#}
{% macro months_with_data(months_relation) -%}
select distinct month
from {{ months_relation }}
where month is not null
{%- endmacro %}

{#- Minutes between two timestamps, fractional (seconds_between is dispatched
    per adapter: time_differences.sql). -#}
{% macro minutes_between(start_column, end_column) -%}
    {{ seconds_between(start_column, end_column) }} / 60.0
{%- endmacro %}
