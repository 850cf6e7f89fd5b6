{#- Number of differing bits between two 64-bit perceptual hashes given as
    16-character hex strings (photo_hash). 0 = the same photo hash.

    Reading hex into bits has no portable SQL spelling, so it is dispatched per
    adapter. DuckDB casts '0x...' to UBIGINT, xors and counts the set bits.
    Spark reads the hex as a signed BIGINT (conv to base -10 keeps the top bit
    as the sign: 'ffffffffffffffff' is -1), xors (^) and counts the set bits of
    the 64-bit two's complement (bit_count). -#}
{% macro hamming_distance(hex_a, hex_b) -%}
    {{ return(adapter.dispatch('hamming_distance')(hex_a, hex_b)) }}
{%- endmacro %}

{% macro duckdb__hamming_distance(hex_a, hex_b) -%}
    bit_count(xor(cast('0x' || ({{ hex_a }}) as ubigint), cast('0x' || ({{ hex_b }}) as ubigint)))
{%- endmacro %}

{% macro spark__hamming_distance(hex_a, hex_b) -%}
    bit_count(cast(conv({{ hex_a }}, 16, -10) as bigint) ^ cast(conv({{ hex_b }}, 16, -10) as bigint))
{%- endmacro %}

{#- Set bits in one 64-bit hex hash: its distance from the all-zero hash. -#}
{% macro hex_bit_count(hex) -%}
    {{ hamming_distance(hex, "'0000000000000000'") }}
{%- endmacro %}

{#- The byte at `block` (0-7, from the left) of a 16-character hex hash, as an integer 0-255. -#}
{% macro hex_byte(hex, block) -%}
    {{ return(adapter.dispatch('hex_byte')(hex, block)) }}
{%- endmacro %}

{% macro duckdb__hex_byte(hex, block) -%}
    cast(cast('0x' || substring({{ hex }}, {{ 2 * block + 1 }}, 2) as utinyint) as integer)
{%- endmacro %}

{% macro spark__hex_byte(hex, block) -%}
    cast(conv(substring({{ hex }}, {{ 2 * block + 1 }}, 2), 16, 10) as int)
{%- endmacro %}
