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
    DuckDB's fixed form for exponents -4 and 7..15, else as d.ddde-XX. The text
    is bound once to a lambda variable (transform over a one-element array), so
    the value's expression is not repeated in every branch; CASE evaluates the
    exponent only where there is one (an ANSI cast of '12.5' to int fails). -#}
{% macro spark__double_text(value) -%}
    {%- set exponent = "cast(substring_index(java_text, 'E', -1) as int)" -%}
    {%- set digits = "trim(trailing '0' from replace(replace(substring_index(java_text, 'E', 1), '-', ''), '.', ''))" -%}
    {%- set sign = "case when java_text like '-%' then '-' else '' end" -%}
    element_at(transform(array(cast(cast({{ value }} as double) as string)), java_text -> case
        when java_text is null then null
        when instr(java_text, 'E') = 0 then java_text
        when {{ exponent }} between 7 and 15 then {{ sign }} || case
            when length({{ digits }}) <= {{ exponent }} + 1 then rpad({{ digits }}, {{ exponent }} + 1, '0') || '.0'
            else substring({{ digits }}, 1, {{ exponent }} + 1) || '.' || substring({{ digits }}, {{ exponent }} + 2)
        end
        when {{ exponent }} = -4 then {{ sign }} || '0.000' || {{ digits }}
        else {{ sign }} || substring({{ digits }}, 1, 1)
            || case when length({{ digits }}) > 1 then '.' || substring({{ digits }}, 2) else '' end
            || 'e' || case when {{ exponent }} < 0 then '-' else '+' end
            || lpad(cast(abs({{ exponent }}) as string), 2, '0')
    end), 1)
{%- endmacro %}

{#- A DOUBLE value rounded to `digits` decimals (0 to 6), as DuckDB's round()
    does it, as a DOUBLE (rounded_double) and as text (rounded_text). DuckDB
    rounds the exact binary value half away from zero:
    round(2.675, 2) is 2.67, as 2.675 is stored as 2.67499999999999982236431605997495353221893310546875.
    On Spark the value is taken as a double (DuckDB's `/` of decimals gives a
    double, Spark's a decimal). Spark's round() rounds the shortest decimal form
    instead (2.68), so: y = value * 10^digits in double; round(y, 0) is right
    unless y is exactly an integer and a half, where the rounding error of the
    product decides: it is computed without error (Dekker's split of the value
    into two 26-bit halves; 10^digits has at most 27 bits, so the partial
    products are exact). The marts round with rounded_double, so a score or
    rate exactly half-way in decimal is the same number on both engines. -#}
{% macro rounded_double(value, digits) -%}
    {%- if digits not in range(0, 7) -%}
        {{ exceptions.raise_compiler_error("rounded_double: digits must be 0 to 6, not " ~ digits) }}
    {%- endif -%}
    {{ return(adapter.dispatch('rounded_double')(value, digits)) }}
{%- endmacro %}

{% macro duckdb__rounded_double(value, digits) -%}
    round({{ value }}, {{ digits }})
{%- endmacro %}

{% macro spark__rounded_double(value, digits) -%}
    {%- set scale = "power(10, " ~ digits ~ ")" -%}
    {%- set y = "(double_value * " ~ scale ~ ")" -%}
    {%- set x_split = "(double_value * cast(134217729 as double))" -%}
    {%- set x_high = "(" ~ x_split ~ " - (" ~ x_split ~ " - double_value))" -%}
    {%- set product_error = "((" ~ x_high ~ " * " ~ scale ~ " - " ~ y ~ ") + (double_value - " ~ x_high ~ ") * " ~ scale ~ ")" -%}
    element_at(transform(array(cast({{ value }} as double)), double_value -> (case
        when {{ y }} >= 0 and {{ y }} - floor({{ y }}) = 0.5
            then floor({{ y }}) + case when {{ product_error }} < 0 then 0 else 1 end
        when {{ y }} < 0 and ceil({{ y }}) - {{ y }} = 0.5
            then ceil({{ y }}) - case when {{ product_error }} > 0 then 0 else 1 end
        else round({{ y }}, 0)
    end) / {{ scale }}), 1)
{%- endmacro %}

{% macro rounded_text(value, digits) -%}
    {%- if digits not in range(0, 7) -%}
        {{ exceptions.raise_compiler_error("rounded_text: digits must be 0 to 6, not " ~ digits) }}
    {%- endif -%}
    {{ return(adapter.dispatch('rounded_text')(value, digits)) }}
{%- endmacro %}

{% macro duckdb__rounded_text(value, digits) -%}
    cast(round({{ value }}, {{ digits }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__rounded_text(value, digits) -%}
    {{ double_text(spark__rounded_double(value, digits)) }}
{%- endmacro %}
