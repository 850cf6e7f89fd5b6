{#- The blocked keys of the cross-cadre near-copy search on check-in photos:
    one row per photo and combination of 3 of its 8 bytes (56 keys of 24 bits,
    the combination's number in the top bits), with what the pairing join
    compares (photo_number, cadre_number, hash_bits, checkin_day, checkin_at,
    window_bucket).
    `photos` is int_checkins__photos.

    Only a key value held by photos of two or more cadres can pair two cadres.
    DuckDB finds those values first, one combination at a time (a GROUP BY over
    one byte combination's keys), and returns only the photos holding them: at
    20,000 cadres 12 M of the 110 M key rows, which the pairing join then joins
    with themselves (15 s, against 41 s and a spill to disk for all of them).
    Spark's hash aggregation of 56 such groupings in one stage ran out of
    memory, so elsewhere every key row is returned and the join does the
    filtering. Both give the same pairs. -#}
{% macro photo_triple_keys(photos) -%}
    {{ return(adapter.dispatch('photo_triple_keys')(photos)) }}
{%- endmacro %}

{% macro photo_triple_key_expressions() -%}
    {%- set keys = [] %}
    {%- for block_a in range(8) %}
        {%- for block_b in range(block_a + 1, 8) %}
            {%- for block_c in range(block_b + 1, 8) %}
                {%- do keys.append(
                    'cast(' ~ (keys | length) ~ ' as bigint) * 16777216 + byte_' ~ block_a
                    ~ ' * 65536 + byte_' ~ block_b ~ ' * 256 + byte_' ~ block_c
                ) %}
            {%- endfor %}
        {%- endfor %}
    {%- endfor %}
    {{ return(keys) }}
{%- endmacro %}

{#- One key of every photo: what the pairing join compares, and the key. -#}
{% macro photo_key_rows(photos, key) -%}
    select photo_number, cadre_number, hash_bits, checkin_day, checkin_at, window_bucket, {{ key }} as triple_key
    from {{ photos }}
{%- endmacro %}

{% macro default__photo_triple_keys(photos) -%}
    {%- for key in photo_triple_key_expressions() %}
        {{ photo_key_rows(photos, key) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{% macro duckdb__photo_triple_keys(photos) -%}
    {%- for key in photo_triple_key_expressions() %}
        select photo.*
        from ({{ photo_key_rows(photos, key) }}) as photo
        inner join (
            select {{ key }} as triple_key
            from {{ photos }}
            group by {{ key }}
            having min(cadre_number) <> max(cadre_number)
        ) as shared
            on shared.triple_key = photo.triple_key
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
{%- endmacro %}
