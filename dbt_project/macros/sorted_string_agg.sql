{#- The values of a group joined into one string, sorted ascending (byte
    order, as both engines compare strings), NULLs left out; NULL when the group
    has no value. distinct=true joins each value once.

    Order-sensitive: the result can be a flag's evidence_key and part
    of its sentence, so it must not depend on the engine's row order. dbt's
    listagg cannot promise that: dbt-spark's ignores the ORDER BY (it only
    warns). So the order is spelt per adapter: DuckDB's ordered string_agg;
    Spark collects the values, sorts the array and joins it (an empty group
    would give '' there, hence the count test). -#}
{% macro sorted_string_agg(measure, delimiter_text, distinct=false) -%}
    {{ return(adapter.dispatch('sorted_string_agg')(measure, delimiter_text, distinct)) }}
{%- endmacro %}

{% macro duckdb__sorted_string_agg(measure, delimiter_text, distinct) -%}
    string_agg({% if distinct %}distinct {% endif %}{{ measure }}, {{ delimiter_text }} order by {{ measure }})
{%- endmacro %}

{% macro spark__sorted_string_agg(measure, delimiter_text, distinct) -%}
    case when count({{ measure }}) > 0 then
        array_join(array_sort({{ 'collect_set' if distinct else 'collect_list' }}({{ measure }})), {{ delimiter_text }})
    end
{%- endmacro %}
