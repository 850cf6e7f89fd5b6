-- The check-in photos int_flags__photo_reuse compares, one row per check-in with a
-- usable photo hash. A table of its own because the rule reads it more
-- than a hundred times (56 key blocks, each grouped and joined back): read
-- from a table, not re-derived from a CTE each time (at 20,000 cadres the CTE
-- alone took 17 s of the rule's 32 s).
--
-- Left out: hashes of uniform images (a covered lens or darkness hashes to
-- almost all zeros or ones), which would match each other by chance.

-- A cadre's photos are numbered after the cadre's number: cadre_number times this, plus the
-- photo's place among the cadre's own (a window per cadre, which DuckDB runs in parallel: one
-- numbering of every photo at once took 1.4 s of this model's 1.9 s at 20,000 cadres).
{%- set numbers_per_cadre = 4294967296 %}  {#- 2^32: more photos than a cadre can have #}

with numbered_cadres as (
    select
        cadre_id,
        unit_id,
        row_number() over (order by cadre_id) as cadre_number
    from {{ ref('stg_cadres') }}
),

checkin_photos as (
    select
        checkins.checkin_id,
        checkins.cadre_id,
        cadres.unit_id,
        cadres.cadre_number,
        checkins.checkin_at,
        cast(checkins.checkin_at as date) as checkin_day,
        lower(checkins.photo_hash) as photo_hash,
        {{ hex_bits('lower(checkins.photo_hash)') }} as hash_bits
    from {{ ref('stg_checkins') }} as checkins
    inner join numbered_cadres as cadres
        on cadres.cadre_id = checkins.cadre_id
    where checkins.photo_hash is not null
),

-- bit_count of the 64-bit integer: the same count on DuckDB's UBIGINT and
-- Spark's two's-complement BIGINT.
usable_photos as (
    select *
    from checkin_photos
    where
        bit_count(hash_bits) > {{ var('photo_degenerate_bits') }}
        and bit_count(hash_bits) < 64 - {{ var('photo_degenerate_bits') }}
)

select
    checkin_id,
    cadre_id,
    unit_id,
    checkin_at,
    checkin_day,
    photo_hash,
    -- numbers instead of ids: the rule's key blocks carry 56 rows per photo
    cadre_number * {{ numbers_per_cadre }}
    + row_number() over (partition by cadre_number order by checkin_id) as photo_number,
    cadre_number,
    -- photos at most photo_window_days apart lie in one window bucket or in two adjacent ones
    {{ window_bucket('checkin_day', var('photo_window_days')) }} as window_bucket,
    {%- for block in range(8) %}
        {{ bits_slice('hash_bits', 56 - 8 * block, 8) }} as byte_{{ block }},
    {%- endfor %}
    hash_bits
from usable_photos
