{#- A whole number of seconds as '1 m 25 s' (under an hour) or '2 h 05 m', for
    evidence sentences read by people. -#}
{% macro format_duration(seconds) -%}
    (case
        when ({{ seconds }}) < 3600 then
            cast(cast(floor(({{ seconds }}) / 60) as integer) as {{ dbt.type_string() }}) || ' m '
            || cast(cast(mod(({{ seconds }}), 60) as integer) as {{ dbt.type_string() }}) || ' s'
        else
            cast(cast(floor(({{ seconds }}) / 3600) as integer) as {{ dbt.type_string() }}) || ' h '
            || lpad(cast(cast(floor(mod(({{ seconds }}), 3600) / 60) as integer) as {{ dbt.type_string() }}), 2, '0') || ' m'
    end)
{%- endmacro %}
