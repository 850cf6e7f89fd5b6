-- Longer than 400 lines: three kinds of reuse (same cadre, exact cross-cadre, near copies through blocked keys) share one model's CTEs.
-- photo_reuse: the same check-in photo (same or near-same 64-bit perceptual
-- hash) used on different days, or by different cadres.
--
-- Two rules, one row per (cadre, photo):
--   * same cadre: one photo on at least photo_min_days different days, either
--     exactly the same hash (any days apart) or within photo_near_max_bits bits
--     (days at most photo_window_days apart). Near copies are only searched
--     inside a cadre's own check-ins and a window of days: an all-pairs search
--     is O(n^2) and, at millions of photos, finds unrelated photos within a few
--     bits by chance.
--   * different cadres: the exact same hash in another cadre's check-in (exact
--     equality is a cheap hash join at any volume). Every later user is
--     flagged; the first user too when they used it on more than one day.
--   * different cadres, near copies: re-encoded, cropped or filtered copies
--     (within photo_cross_near_max_bits) of one photo used by two cadres
--     within the window of days: each cadre who used them on
--     photo_cross_near_min_days days or more is flagged (the one who took it
--     live and had it copied used it once). The search is blocked by exact
--     sub-keys of the hash (pigeonhole), so it costs per photo, not per pair.
--
-- Honest look-alikes that stay silent: an app re-sending a photo on the same
-- day (a retry), a once-only repeat, hashes of uniform images (a covered lens
-- or darkness hashes to almost all zeros or ones).

-- The photos are read straight from their table wherever they are used: a CTE
-- over it that a hundred parts read is copied to each of them (DuckDB
-- materializes such a CTE: 20 s and 25 GB spilled at 20,000 cadres).
{%- set photos = ref('int_checkins__photos') %}

with

-- Every pair of one cadre's photos on different days that are the same photo
-- (any time apart: an equality join costs little at any volume) or a near copy
-- of it (only within the window of days: this comparison is the expensive one).
exact_repeats as (
    select
        anchor.cadre_id,
        anchor.checkin_id as anchor_checkin_id,
        anchor.checkin_at as anchor_at,
        anchor.checkin_day as anchor_day,
        anchor.photo_hash as anchor_hash,
        other.checkin_id as other_checkin_id,
        other.checkin_at as other_at,
        other.checkin_day as other_day,
        other.photo_hash as other_hash,
        0 as differing_bits
    from {{ photos }} as anchor
    inner join {{ photos }} as other
        on
            other.cadre_id = anchor.cadre_id
            and other.photo_hash = anchor.photo_hash
            and other.checkin_day <> anchor.checkin_day
),

-- Blocking before comparing (pigeonhole): two hashes at most
-- photo_near_max_bits bits apart differ in at most that many of their 16 hex
-- characters, so cut into photo_near_max_bits + 1 blocks of characters they
-- share at least one block exactly. Only pairs sharing a block are compared
-- bit by bit: an equality join per block instead of every pair of the window.
-- The bits are compared in the join itself, as integers: most pairs sharing
-- a block are unrelated photos (3.8 M pairs for 20 near copies at 20,000
-- cadres). Blocks are integers (bits of hash_bits) and cadres are numbers, so
-- the joins compare integers, not text. One join per block, straight from
-- the table: 0.6 s at 20,000 cadres, against 1.1-1.3 s for one join of a
-- union of every photo's blocks.
{%- set n_blocks = var('photo_near_max_bits') + 1 %}
near_copy_candidates as (
    select distinct anchor_photo, other_photo
    from (
        {%- for block in range(n_blocks) %}
            {%- set block_start = (block * 16 // n_blocks) + 1 %}
            {%- set block_length = ((block + 1) * 16 // n_blocks) - (block * 16 // n_blocks) %}
            {%- set bits_after_block = 4 * (16 - (block_start - 1) - block_length) %}
            select
                anchor_block.photo_number as anchor_photo,
                other_block.photo_number as other_photo
            from {{ photos }} as anchor_block
            inner join {{ photos }} as other_block
                on
                    other_block.cadre_number = anchor_block.cadre_number
                    and {{ bits_slice('other_block.hash_bits', bits_after_block, 4 * block_length) }}
                    = {{ bits_slice('anchor_block.hash_bits', bits_after_block, 4 * block_length) }}
                    and other_block.checkin_day <> anchor_block.checkin_day
                    and other_block.checkin_day between {{ days_add(-var('photo_window_days'), 'anchor_block.checkin_day') }}
                    and {{ days_add(var('photo_window_days'), 'anchor_block.checkin_day') }}
            where
                {{ bits_differing('anchor_block.hash_bits', 'other_block.hash_bits') }} between 1 and {{ var('photo_near_max_bits') }}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ) as pairs_per_block
),

near_copies as (
    select
        anchor.cadre_id,
        anchor.checkin_id as anchor_checkin_id,
        anchor.checkin_at as anchor_at,
        anchor.checkin_day as anchor_day,
        anchor.photo_hash as anchor_hash,
        other.checkin_id as other_checkin_id,
        other.checkin_at as other_at,
        other.checkin_day as other_day,
        other.photo_hash as other_hash,
        {{ bits_differing('anchor.hash_bits', 'other.hash_bits') }} as differing_bits
    from near_copy_candidates as candidate
    inner join {{ photos }} as anchor
        on anchor.photo_number = candidate.anchor_photo
    inner join {{ photos }} as other
        on other.photo_number = candidate.other_photo
),

same_cadre_matches as (
    select * from exact_repeats
    union all
    select * from near_copies
),

-- Each matched photo taken as an anchor: on how many days was it (or a near
-- copy of it) used? The cluster is named after its earliest photo, so all the
-- anchors of one reused photo collapse into one flag.
anchors as (
    select
        cadre_id,
        anchor_checkin_id,
        anchor_at,
        anchor_hash,
        count(distinct other_day) + 1 as days_used,
        count(distinct other_checkin_id) + 1 as checkins,
        max(differing_bits) as max_differing_bits,
        least(min(other_at), anchor_at) as first_seen,
        greatest(max(other_at), anchor_at) as last_seen
    from same_cadre_matches
    group by cadre_id, anchor_checkin_id, anchor_at, anchor_hash
),

anchor_clusters as (
    select
        anchors.*,
        earliest.photo_hash as cluster_hash
    from anchors
    inner join (
        select
            anchor_checkin_id,
            photo_hash,
            row_number() over (partition by anchor_checkin_id order by used_at, checkin_id) as use_rank
        from (
            select anchor_checkin_id, anchor_at as used_at, anchor_checkin_id as checkin_id, anchor_hash as photo_hash
            from same_cadre_matches
            union all
            select anchor_checkin_id, other_at, other_checkin_id, other_hash
            from same_cadre_matches
        ) as cluster_members
    ) as earliest
        on
            earliest.anchor_checkin_id = anchors.anchor_checkin_id
            and earliest.use_rank = 1
),

-- Per reused photo, the anchor that explains the most days.
best_anchor_per_cluster as (
    select *
    from (
        select
            anchor_clusters.*,
            row_number() over (
                partition by cadre_id, cluster_hash
                order by days_used desc, checkins desc, anchor_at, anchor_checkin_id
            ) as anchor_rank,
            min(first_seen) over (partition by cadre_id, cluster_hash) as cluster_first_seen,
            max(last_seen) over (partition by cadre_id, cluster_hash) as cluster_last_seen
        from anchor_clusters
    ) as ranked
    where
        anchor_rank = 1
        and days_used >= {{ var('photo_min_days') }}
),

-- Near copies of one photo can fall into two clusters (two variants each a
-- few bits from the original are up to twice as far from each other). A
-- cluster whose anchor is a near copy of a stronger cluster's anchor of the
-- same cadre is the same photo: it is dropped.
same_cadre_reuse as (
    select cluster.*
    from best_anchor_per_cluster as cluster
    where not exists (
        select 1
        from best_anchor_per_cluster as stronger
        where
            stronger.cadre_id = cluster.cadre_id
            and stronger.cluster_hash <> cluster.cluster_hash
            and (
                stronger.days_used > cluster.days_used
                or (stronger.days_used = cluster.days_used and stronger.cluster_hash < cluster.cluster_hash)
            )
            and {{ hamming_distance('stronger.anchor_hash', 'cluster.anchor_hash') }} <= {{ var('photo_near_max_bits') }}
    )
),

-- The exact same hash used by more than one cadre. Every later user is
-- flagged. The first user may have taken the photo live and had it copied, so
-- is flagged only when they too used it on more than one day (a photo kept and
-- passed around, not one taken live).
photo_use_per_cadre as (
    select
        photo_hash,
        cadre_id,
        min(checkin_at) as first_used_at,
        max(checkin_at) as last_used_at,
        count(*) as checkins,
        count(distinct checkin_day) as days_used
    from {{ photos }}
    group by photo_hash, cadre_id
),

photo_users as (
    select
        photo_use_per_cadre.*,
        row_number() over (partition by photo_hash order by first_used_at, cadre_id) as user_rank,
        count(*) over (partition by photo_hash) as users
    from photo_use_per_cadre
),

shared_photos as (
    select
        this_user.cadre_id,
        this_user.photo_hash,
        this_user.user_rank,
        this_user.first_used_at,
        this_user.last_used_at,
        this_user.checkins,
        this_user.days_used,
        this_user.users,
        first_user.cadre_id as first_user_id,
        first_user.first_used_at as first_user_at,
        second_user.cadre_id as second_user_id,
        second_user.first_used_at as second_user_at
    from photo_users as this_user
    inner join photo_users as first_user
        on
            first_user.photo_hash = this_user.photo_hash
            and first_user.user_rank = 1
    inner join photo_users as second_user
        on
            second_user.photo_hash = this_user.photo_hash
            and second_user.user_rank = 2
    where
        this_user.users > 1
        and (this_user.user_rank > 1 or this_user.days_used > 1)
),

-- Near copies across cadres, anywhere: the hash is cut into 8 blocks of 2 hex
-- characters (8 bits, byte_0 to byte_7 of int_checkins__photos). Two hashes at
-- most photo_cross_near_max_bits (5) bits apart differ in at most 5 blocks, so
-- they share at least 3 blocks exactly (pigeonhole): every combination of 3
-- blocks (56) is an equality key of 24 bits.
-- The photos' keys (macro photo_triple_keys: on DuckDB only the key values
-- that photos of two or more cadres hold, the only ones that can pair two cadres).
photo_keys as (
    {{ photo_triple_keys(photos) }}
),

-- Each key row also in the window bucket before its own (reached_bucket):
-- photos at most photo_window_days apart lie in one window bucket or in two
-- adjacent ones (int_checkins__photos), so an equality on (key, bucket) finds
-- every pair the window allows and no pair of photos further apart.
photo_keys_in_reach as (
    select
        photo_keys.*,
        window_bucket as reached_bucket
    from photo_keys
    union all
    select
        photo_keys.*,
        window_bucket - 1 as reached_bucket
    from photo_keys
),

-- Pairs of photos of two cadres that share a key, within the window of days
-- and photo_cross_near_max_bits of each other (each pair once: by photo
-- number in one bucket, the earlier bucket first across two). The bits are
-- compared in the join: nearly all the pairs sharing a key are chance matches
-- (photos^2 x 56 / 2^24 / 2 of them: 145 k at 3,000 cadres, 6.4 M at 20,000
-- over 61 days, for a few hundred near copies). Keyed by window bucket too,
-- their count grows linearly with the days of history, not with their square.
shared_key_pairs as (
    select distinct
        first_key.photo_number as first_photo,
        first_key.checkin_at as first_at,
        second_key.photo_number as second_photo,
        second_key.checkin_at as second_at
    from photo_keys as first_key
    inner join photo_keys_in_reach as second_key
        on
            second_key.triple_key = first_key.triple_key
            and second_key.reached_bucket = first_key.window_bucket
    where
        (second_key.window_bucket > first_key.window_bucket or second_key.photo_number > first_key.photo_number)
        and second_key.cadre_number <> first_key.cadre_number
        and second_key.checkin_at <> first_key.checkin_at
        and {{ bits_differing('first_key.hash_bits', 'second_key.hash_bits') }} <= {{ var('photo_cross_near_max_bits') }}
        and second_key.checkin_day <= {{ days_add(var('photo_window_days'), 'first_key.checkin_day') }}
        and first_key.checkin_day <= {{ days_add(var('photo_window_days'), 'second_key.checkin_day') }}
),

-- Each pair in time order. Everything the pair needs was compared in the join
-- above: a condition between the two photos here would let the planner pair
-- all photos with all photos.
cross_cadre_candidates as (
    select
        case when second_at > first_at then first_photo else second_photo end as earlier_photo,
        case when second_at > first_at then second_photo else first_photo end as later_photo
    from shared_key_pairs
),

cross_cadre_near_pairs as (
    select
        earlier.cadre_id as earlier_cadre_id,
        earlier.checkin_id as earlier_checkin_id,
        earlier.checkin_at as earlier_at,
        earlier.checkin_day as earlier_day,
        earlier.photo_hash as earlier_hash,
        later.cadre_id as later_cadre_id,
        later.checkin_id as later_checkin_id,
        later.checkin_at as later_at,
        later.checkin_day as later_day,
        later.photo_hash as later_hash,
        {{ bits_differing('earlier.hash_bits', 'later.hash_bits') }} as differing_bits
    from cross_cadre_candidates as candidate
    inner join {{ photos }} as earlier
        on earlier.photo_number = candidate.earlier_photo
    inner join {{ photos }} as later
        on later.photo_number = candidate.later_photo
),

-- Each cadre's side of the copies it shares with one other cadre, with the
-- cadre's own near copies of those photos (one photo kept and re-encoded). The
-- one who took the photo live and had it copied used it once; a cadre who
-- used copies of it on several days kept it to pass round, or received it.
cross_cadre_shared_checkins as (
    select
        earlier_cadre_id as cadre_id, later_cadre_id as other_cadre_id, earlier_checkin_id as checkin_id,
        earlier_at as used_at, earlier_day as used_day, earlier_hash as photo_hash, differing_bits,
        earlier_at as pair_first_at
    from cross_cadre_near_pairs
    union all
    select
        later_cadre_id, earlier_cadre_id, later_checkin_id,
        later_at, later_day, later_hash, differing_bits,
        earlier_at
    from cross_cadre_near_pairs
),

cross_cadre_uses as (
    select * from cross_cadre_shared_checkins
    union all
    select
        shared.cadre_id, shared.other_cadre_id, own.other_checkin_id,
        own.other_at, own.other_day, own.other_hash, shared.differing_bits,
        shared.pair_first_at
    from cross_cadre_shared_checkins as shared
    inner join same_cadre_matches as own
        on own.anchor_checkin_id = shared.checkin_id
),

cross_cadre_near_reuse as (
    select
        cadre_id,
        other_cadre_id,
        min(used_at) as first_seen,
        max(used_at) as last_seen,
        min(pair_first_at) as shared_first_at,
        count(distinct checkin_id) as checkins,
        count(distinct used_day) as days_used,
        min(differing_bits) as min_differing_bits,
        max(differing_bits) as max_differing_bits
    from cross_cadre_uses
    group by cadre_id, other_cadre_id
    having count(distinct used_day) >= {{ var('photo_cross_near_min_days') }}
),

-- The cadre's first photo in the finding names it (subject_id).
cross_cadre_source_photo as (
    select
        reuse.*,
        first_use.photo_hash as source_hash
    from cross_cadre_near_reuse as reuse
    inner join (
        select
            cadre_id,
            other_cadre_id,
            photo_hash,
            row_number() over (partition by cadre_id, other_cadre_id order by used_at, photo_hash) as use_rank
        from cross_cadre_uses
    ) as first_use
        on
            first_use.cadre_id = reuse.cadre_id
            and first_use.other_cadre_id = reuse.other_cadre_id
            and first_use.use_rank = 1
)

select
    'photo_reuse' as flag_code,
    cadre_id,
    cluster_hash as subject_id,
    cluster_first_seen as first_seen,
    cluster_last_seen as last_seen,
    case when days_used >= {{ var('photo_high_days') }} then 'high' else 'medium' end as severity,
    cadre_id || ' checked in with the same photo (hash ' || cluster_hash || ', '
    || case
        when max_differing_bits = 0 then 'identical every time'
        else 'identical or at most ' || cast(max_differing_bits as {{ dbt.type_string() }}) || ' of 64 bits different'
    end
    || ') on ' || cast(days_used as {{ dbt.type_string() }}) || ' different days between '
    || cast(cast(cluster_first_seen as date) as {{ dbt.type_string() }}) || ' and '
    || cast(cast(cluster_last_seen as date) as {{ dbt.type_string() }})
    || ' (' || cast(checkins as {{ dbt.type_string() }}) || ' check-ins)' as evidence,
    'same_cadre:' || cluster_hash as evidence_key
from same_cadre_reuse

union all

select
    'photo_reuse' as flag_code,
    cadre_id,
    photo_hash as subject_id,
    case when user_rank = 1 then first_used_at else first_user_at end as first_seen,
    last_used_at as last_seen,
    'medium' as severity,
    case
        when user_rank = 1
            then
                cadre_id || ' checked in with photo hash ' || photo_hash || ' on ' || cast(days_used as {{ dbt.type_string() }})
                || ' different days from ' || {{ format_timestamp('first_used_at') }} || ' to '
                || {{ format_timestamp('last_used_at') }} || ', and the identical photo was then used by '
                || cast(users - 1 as {{ dbt.type_string() }}) || ' other cadre(s), first ' || second_user_id || ' at '
                || {{ format_timestamp('second_user_at') }}
        else
            cadre_id || ' checked in ' || cast(checkins as {{ dbt.type_string() }}) || ' time(s) on ' || cast(days_used as {{ dbt.type_string() }})
            || ' day(s) from ' || {{ format_timestamp('first_used_at') }} || ' with photo hash ' || photo_hash
            || ', identical to the photo ' || first_user_id || ' had already used at '
            || {{ format_timestamp('first_user_at') }} || ' (' || cast(users as {{ dbt.type_string() }})
            || ' cadres used this exact photo)'
    end as evidence,
    'cross_cadre:' || photo_hash as evidence_key
from shared_photos

union all

select
    'photo_reuse' as flag_code,
    cadre_id,
    source_hash as subject_id,
    first_seen,
    last_seen,
    case when days_used >= {{ var('photo_high_days') }} then 'high' else 'medium' end as severity,
    cadre_id || ' checked in on ' || cast(days_used as {{ dbt.type_string() }}) || ' days between '
    || cast(cast(first_seen as date) as {{ dbt.type_string() }}) || ' and '
    || cast(cast(last_seen as date) as {{ dbt.type_string() }}) || ' (' || cast(checkins as {{ dbt.type_string() }})
    || ' check-ins) with near copies of one photo (' || cast(min_differing_bits as {{ dbt.type_string() }}) || ' to '
    || cast(max_differing_bits as {{ dbt.type_string() }}) || ' of 64 bits different) that '
    || other_cadre_id || ' also used, from ' || {{ format_timestamp('shared_first_at') }}
    || ' (first hash ' || source_hash || '); two photos taken live differ in about 32 bits' as evidence,
    'cross_cadre_near:' || other_cadre_id as evidence_key
from cross_cadre_source_photo
-- a cadre flagged for the identical photo above is not flagged twice for it
where cadre_id not in (select cadre_id from shared_photos)
