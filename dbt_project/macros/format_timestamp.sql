{#- 'YYYY-MM-DD HH:MM:SS' of a TIMESTAMP (fractions of a second dropped), for
    evidence sentences. -#}
{% macro format_timestamp(ts) -%}
    substring(cast({{ ts }} as {{ dbt.type_string() }}), 1, 19)
{%- endmacro %}
