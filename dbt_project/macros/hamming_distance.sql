{#- Number of differing bits between two 64-bit perceptual hashes given as
    16-character hex strings (photo_hash). 0 = the same photo hash.

    Reading hex into bits has no portable SQL spelling, so it is dispatched per
    adapter. DuckDB casts '0x...' to UBIGINT, xors and counts the set bits.
    Spark reads the hex as a signed BIGINT (conv to base -10 keeps the top bit
    as the sign: 'ffffffffffffffff' is -1), xors (^) and counts the set bits of
    the 64-bit two's complement (bit_count). -#}
{% macro hamming_distance(hex_a, hex_b) -%}
    {{ bits_differing(hex_bits(hex_a), hex_bits(hex_b)) }}
{%- endmacro %}

{#- A 16-character hex hash as a 64-bit integer: read once per photo, so that
    comparisons of many pairs xor integers instead of parsing text. -#}
{% macro hex_bits(hex) -%}
    {{ return(adapter.dispatch('hex_bits')(hex)) }}
{%- endmacro %}

{% macro duckdb__hex_bits(hex) -%}
    cast('0x' || ({{ hex }}) as ubigint)
{%- endmacro %}

{% macro spark__hex_bits(hex) -%}
    cast(conv({{ hex }}, 16, -10) as bigint)
{%- endmacro %}

{#- Number of differing bits between two hashes read by hex_bits. -#}
{% macro bits_differing(bits_a, bits_b) -%}
    {{ return(adapter.dispatch('bits_differing')(bits_a, bits_b)) }}
{%- endmacro %}

{% macro duckdb__bits_differing(bits_a, bits_b) -%}
    bit_count(xor({{ bits_a }}, {{ bits_b }}))
{%- endmacro %}

{% macro spark__bits_differing(bits_a, bits_b) -%}
    bit_count(({{ bits_a }}) ^ ({{ bits_b }}))
{%- endmacro %}

{#- `width` bits of a hash read by hex_bits, starting `shift` bits from the
    right, as a non-negative integer (a block of hex characters, for equality
    joins on integers). -#}
{% macro bits_slice(bits, shift, width) -%}
    {{ return(adapter.dispatch('bits_slice')(bits, shift, width)) }}
{%- endmacro %}

{% macro duckdb__bits_slice(bits, shift, width) -%}
    cast(({{ bits }} >> {{ shift }}) & {{ 2 ** width - 1 }} as bigint)
{%- endmacro %}

{% macro spark__bits_slice(bits, shift, width) -%}
    (shiftright({{ bits }}, {{ shift }}) & {{ 2 ** width - 1 }})
{%- endmacro %}
