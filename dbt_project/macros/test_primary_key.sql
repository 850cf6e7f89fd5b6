{#- A model's key: `column_name`, or the combination `columns`, is never null
    and names one row. One query where `unique` + `not_null` took two (issue 8:
    every data test is a node of every build). A failing row is a key value,
    how many rows carry it, and which of the two it breaks. -#}
{% test primary_key(model, column_name=none, columns=none) %}
{%- set key = columns if columns else [column_name] %}
{%- set key_list = key | join(', ') %}
{%- set key_is_null = key | join(' is null or ') ~ ' is null' %}
with key_counts as (
    select
        {{ key_list }},
        count(*) as occurrences
    from {{ model }}
    group by {{ key_list }}
)

select
    *,
    case
        when {{ key_is_null }} then 'null key'
        else 'duplicate key'
    end as problem
from key_counts
where
    occurrences > 1
    or {{ key_is_null }}
{% endtest %}
