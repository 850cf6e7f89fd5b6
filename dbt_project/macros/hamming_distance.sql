{#- Number of differing bits between two 64-bit perceptual hashes given as
    16-character hex strings (photo_hash). 0 = the same photo hash.

    Reading hex into bits has no portable SQL spelling, so it is dispatched per
    adapter: DuckDB casts '0x...' to UBIGINT, xors and counts the set bits.
    Another adapter (e.g. Spark) adds its own <adapter>__hamming_distance. -#}
{% macro hamming_distance(hex_a, hex_b) -%}
    {{ return(adapter.dispatch('hamming_distance')(hex_a, hex_b)) }}
{%- endmacro %}

{% macro default__hamming_distance(hex_a, hex_b) -%}
    bit_count(xor(cast('0x' || ({{ hex_a }}) as ubigint), cast('0x' || ({{ hex_b }}) as ubigint)))
{%- endmacro %}

{#- Set bits in one 64-bit hex hash: its distance from the all-zero hash. -#}
{% macro hex_bit_count(hex) -%}
    {{ hamming_distance(hex, "'0000000000000000'") }}
{%- endmacro %}
