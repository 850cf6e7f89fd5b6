{#- Seconds since local midnight (0..86399) of a TIMESTAMP, whole seconds.
    extract() is ANSI SQL; floor() drops any fractional seconds. -#}
{% macro second_of_day(ts) -%}
    (cast(extract(hour from {{ ts }}) as integer) * 3600
     + cast(extract(minute from {{ ts }}) as integer) * 60
     + cast(floor(extract(second from {{ ts }})) as integer))
{%- endmacro %}

{#- 'HH:MM:SS' of a second-of-day number, for evidence sentences. -#}
{% macro format_second_of_day(seconds) -%}
    (lpad(cast(cast(floor(({{ seconds }}) / 3600) as integer) as {{ dbt.type_string() }}), 2, '0') || ':'
     || lpad(cast(cast(floor(mod(({{ seconds }}), 3600) / 60) as integer) as {{ dbt.type_string() }}), 2, '0') || ':'
     || lpad(cast(cast(mod(({{ seconds }}), 60) as integer) as {{ dbt.type_string() }}), 2, '0'))
{%- endmacro %}
