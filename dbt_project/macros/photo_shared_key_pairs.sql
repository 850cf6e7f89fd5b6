{#- The cross-cadre near-copy search on check-in photos: the pairs of photos of
    two cadres that share a blocked key, within the window of days and
    photo_cross_near_max_bits of each other, each pair once (first_photo,
    first_at, second_photo, second_at; first_photo < second_photo).
    `photos` is int_checkins__photos.

    A key is a combination of 3 of a photo's 8 bytes (56 keys of 24 bits, the
    combination's number in the top bits): two hashes at most 5 bits apart
    share at least one of them (pigeonhole).

    DuckDB joins the photos with themselves once per combination, the bits and
    the window compared in each join: at 20,000 cadres 5.5-5.8 s for the 56
    joins, against 8.5-9.0 s for first finding the key values that photos of
    two or more cadres hold (a GROUP BY per combination) and joining only
    those, and 41 s with a spill to disk for one join of all 110 M key rows.
    Spark's hash aggregation of 56 such groupings in one stage ran out of
    memory, and each of 56 joins is a shuffle of its own there: elsewhere every
    key row goes into one join. Both give the same pairs. -#}
{% macro photo_shared_key_pairs(photos) -%}
    {{ return(adapter.dispatch('photo_shared_key_pairs')(photos)) }}
{%- endmacro %}

{#- (combination number, its 3 bytes) for the 56 combinations. -#}
{% macro photo_byte_triples() -%}
    {%- set triples = [] %}
    {%- for block_a in range(8) %}
        {%- for block_b in range(block_a + 1, 8) %}
            {%- for block_c in range(block_b + 1, 8) %}
                {%- do triples.append((triples | length, [block_a, block_b, block_c])) %}
            {%- endfor %}
        {%- endfor %}
    {%- endfor %}
    {{ return(triples) }}
{%- endmacro %}

{#- The key of combination `number` (its bytes `blocks`), of the photo aliased `photo`
    (none: the only photo in scope). -#}
{% macro photo_triple_key(photo, number, blocks) -%}
    {%- set column = (photo ~ '.') if photo else '' -%}
    cast({{ number }} as bigint) * 16777216 + {{ column }}byte_{{ blocks[0] }} * 65536
    + {{ column }}byte_{{ blocks[1] }} * 256 + {{ column }}byte_{{ blocks[2] }}
{%- endmacro %}

{#- What a pair sharing a key must also hold: photos of two cadres, taken at
    different times, within the window of days and photo_cross_near_max_bits
    of each other; each pair once, by photo number. -#}
{% macro photo_pair_conditions(first, second) -%}
    {{ second }}.photo_number > {{ first }}.photo_number
    and {{ second }}.cadre_number <> {{ first }}.cadre_number
    and {{ second }}.checkin_at <> {{ first }}.checkin_at
    and {{ bits_differing(first ~ '.hash_bits', second ~ '.hash_bits') }} <= {{ var('photo_cross_near_max_bits') }}
    and {{ second }}.checkin_day <= {{ days_add(var('photo_window_days'), first ~ '.checkin_day') }}
    and {{ first }}.checkin_day <= {{ days_add(var('photo_window_days'), second ~ '.checkin_day') }}
{%- endmacro %}

{% macro duckdb__photo_shared_key_pairs(photos) -%}
    select distinct first_photo, first_at, second_photo, second_at
    from (
        {%- for number, blocks in photo_byte_triples() %}
            select
                first_key.photo_number as first_photo,
                first_key.checkin_at as first_at,
                second_key.photo_number as second_photo,
                second_key.checkin_at as second_at
            from {{ photos }} as first_key
            inner join {{ photos }} as second_key
                on {{ photo_triple_key('second_key', number, blocks) }} = {{ photo_triple_key('first_key', number, blocks) }}
            where {{ photo_pair_conditions('first_key', 'second_key') }}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ) as pairs_per_key
{%- endmacro %}

{% macro default__photo_shared_key_pairs(photos) -%}
    select distinct
        first_key.photo_number as first_photo,
        first_key.checkin_at as first_at,
        second_key.photo_number as second_photo,
        second_key.checkin_at as second_at
    from (
        {%- for number, blocks in photo_byte_triples() %}
            select photo_number, cadre_number, hash_bits, checkin_day, checkin_at,
                {{ photo_triple_key(none, number, blocks) }} as triple_key
            from {{ photos }}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ) as first_key
    inner join (
        {%- for number, blocks in photo_byte_triples() %}
            select photo_number, cadre_number, hash_bits, checkin_day, checkin_at,
                {{ photo_triple_key(none, number, blocks) }} as triple_key
            from {{ photos }}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ) as second_key
        on second_key.triple_key = first_key.triple_key
    where {{ photo_pair_conditions('first_key', 'second_key') }}
{%- endmacro %}
