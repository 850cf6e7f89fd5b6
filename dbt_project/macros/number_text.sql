{#- Numbers written into evidence sentences and keys, as text that is the same
    on every engine: a flag's sentence and its evidence_key (hence flag_id) must
    not change with the engine. The reference is how DuckDB writes a DOUBLE:
    the shortest digits that read back the same, in fixed notation from 1e-4 up
    to 1e16 ('0.00015', '38663.0', '12345678.0') and otherwise as '1.5e-05',
    '1e+16'. Spark writes doubles the Java way ('1.0E-6', '1.2345678E7' outside
    0.001 .. 1e7), writes a DECIMAL with all its scale ('0.500'), and its round()
    of a double rounds the decimal digits half up where DuckDB rounds the binary
    value (round(2.675, 2): 2.68 against 2.67). -#}

{#- A DOUBLE as DuckDB writes it. Use for DOUBLE values only (on Spark the value
    is read as a double first). Not reproduced on Spark: NaN and infinities
    ('NaN' against 'nan'). -#}
{% macro double_text(value) -%}
    {{ return(adapter.dispatch('double_text')(value)) }}
{%- endmacro %}

{% macro duckdb__double_text(value) -%}
    cast({{ value }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- Java's form is mantissa 'E' exponent outside [0.001, 1e7): rewritten as
    DuckDB's fixed form for exponents -4 and 7..15, else as d.ddd e-XX. -#}
{% macro spark__double_text(value) -%}
    {%- set java = "cast(cast(" ~ value ~ " as double) as string)" -%}
    {%- set exponent = "cast(substring_index(" ~ java ~ ", 'E', -1) as int)" -%}
    {%- set digits = "trim(trailing '0' from replace(replace(substring_index(" ~ java ~ ", 'E', 1), '-', ''), '.', ''))" -%}
    {%- set sign = "case when " ~ java ~ " like '-%' then '-' else '' end" -%}
    (case
        when {{ java }} is null then null
        when instr({{ java }}, 'E') = 0 then {{ java }}
        when {{ exponent }} between 7 and 15 then {{ sign }} || case
            when length({{ digits }}) <= {{ exponent }} + 1 then rpad({{ digits }}, {{ exponent }} + 1, '0') || '.0'
            else substring({{ digits }}, 1, {{ exponent }} + 1) || '.' || substring({{ digits }}, {{ exponent }} + 2)
        end
        when {{ exponent }} = -4 then {{ sign }} || '0.000' || {{ digits }}
        else {{ sign }} || substring({{ digits }}, 1, 1)
            || case when length({{ digits }}) > 1 then '.' || substring({{ digits }}, 2) else '' end
            || 'e' || case when {{ exponent }} < 0 then '-' else '+' end
            || lpad(cast(abs({{ exponent }}) as string), 2, '0')
    end)
{%- endmacro %}

{#- A DOUBLE value rounded to `digits` decimals, as DuckDB's round() and its
    text: round(value * 10^digits) / 10^digits, half away from zero. On Spark
    the value is taken as a double (DuckDB's `/` of decimals gives a double,
    Spark's a decimal) and rounded the same way: round(double, 0) rounds the
    shortest decimal form half up, which is the binary value's nearest integer
    (a double whose shortest form ends in .5 is exactly .5). -#}
{% macro rounded_text(value, digits) -%}
    {{ return(adapter.dispatch('rounded_text')(value, digits)) }}
{%- endmacro %}

{% macro duckdb__rounded_text(value, digits) -%}
    cast(round({{ value }}, {{ digits }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__rounded_text(value, digits) -%}
    {{ double_text("round(cast(" ~ value ~ " as double) * power(10, " ~ digits ~ "), 0) / power(10, " ~ digits ~ ")") }}
{%- endmacro %}
