-- impossible_travel: two consecutive check-ins of a cadre imply a speed no real
-- trip reaches. The distance counted is what is left after subtracting both
-- GPS accuracy radii (the most favourable reading for the cadre), and it must
-- reach travel_min_km, so GPS jitter or one bad fix seconds apart cannot make a
-- speed. The speed limit depends on the distance (tiers, see docs/detection.md):
--   up to travel_local_max_km     : a car between villages (ground tier)
--   up to travel_regional_max_km  : the fastest high-speed train
--   beyond                        : an airliner, door to door
--
-- Honest look-alikes that stay silent: car trips between villages (< 150 km/h),
-- jitter around the office, a poor fix with a large accuracy radius, a flight.

with checkins as (
    select
        checkin_id,
        cadre_id,
        kind,
        checkin_at,
        lat,
        lon,
        coalesce(accuracy_m, 0) as accuracy_m
    from {{ ref('stg_checkins') }}
),

consecutive_checkins as (
    select
        cadre_id,
        checkin_id as from_checkin_id,
        kind as from_kind,
        checkin_at as from_at,
        lat as from_lat,
        lon as from_lon,
        accuracy_m as from_accuracy_m,
        lead(checkin_id) over (partition by cadre_id order by checkin_at, checkin_id) as to_checkin_id,
        lead(kind) over (partition by cadre_id order by checkin_at, checkin_id) as to_kind,
        lead(checkin_at) over (partition by cadre_id order by checkin_at, checkin_id) as to_at,
        lead(lat) over (partition by cadre_id order by checkin_at, checkin_id) as to_lat,
        lead(lon) over (partition by cadre_id order by checkin_at, checkin_id) as to_lon,
        lead(accuracy_m) over (partition by cadre_id order by checkin_at, checkin_id) as to_accuracy_m
    from checkins
),

legs as (
    select
        cadre_id,
        from_checkin_id,
        to_checkin_id,
        from_kind,
        to_kind,
        from_at,
        to_at,
        {{ haversine_km('from_lat', 'from_lon', 'to_lat', 'to_lon') }} as distance_km,
        {{ haversine_km('from_lat', 'from_lon', 'to_lat', 'to_lon') }}
        - (from_accuracy_m + to_accuracy_m) / 1000.0 as effective_km,
        {{ dbt.datediff('from_at', 'to_at', 'second') }} as elapsed_seconds
    from consecutive_checkins
    where to_at is not null
),

leg_speeds as (
    select
        legs.*,
        -- simultaneous check-ins count as one second apart: any distance is then impossible
        effective_km / (greatest(elapsed_seconds, 1) / 3600.0) as speed_kmh,
        case
            when effective_km <= {{ var('travel_local_max_km') }} then {{ var('travel_local_max_kmh') }}
            when effective_km <= {{ var('travel_regional_max_km') }} then {{ var('travel_regional_max_kmh') }}
            else {{ var('travel_long_max_kmh') }}
        end as speed_limit_kmh,
        case
            when effective_km <= {{ var('travel_local_max_km') }} then 'by car'
            when effective_km <= {{ var('travel_regional_max_km') }} then 'by high-speed train'
            else 'by air, door to door'
        end as fastest_means
    from legs
),

impossible_legs as (
    select *
    from leg_speeds
    where
        effective_km >= {{ var('travel_min_km') }}
        and speed_kmh > speed_limit_kmh
),

per_cadre as (
    select
        cadre_id,
        count(*) as impossible_legs,
        count(distinct cast(from_at as date)) as impossible_days,
        min(from_at) as first_seen,
        max(to_at) as last_seen
    from impossible_legs
    group by cadre_id
),

-- The fastest leg is quoted in the sentence.
fastest_leg as (
    select *
    from (
        select
            impossible_legs.*,
            row_number() over (partition by cadre_id order by speed_kmh desc, from_at) as speed_rank
        from impossible_legs
    ) as ranked
    where speed_rank = 1
)

select
    'impossible_travel' as flag_code,
    per_cadre.cadre_id,
    cast(null as {{ dbt.type_string() }}) as subject_id,
    per_cadre.first_seen,
    per_cadre.last_seen,
    case when per_cadre.impossible_legs >= {{ var('travel_high_jumps') }} then 'high' else 'medium' end as severity,
    per_cadre.cadre_id || ' checked in (' || fastest.from_kind || ') at ' || {{ format_timestamp('fastest.from_at') }}
    || ' and (' || fastest.to_kind || ') ' || {{ rounded_text('fastest.distance_km', 1) }} || ' km away '
    || {{ format_duration('fastest.elapsed_seconds') }} || ' later: '
    || {{ rounded_text('fastest.effective_km', 1) }} || ' km even after subtracting GPS accuracy, i.e. '
    || cast(cast(round(fastest.speed_kmh, 0) as bigint) as {{ dbt.type_string() }}) || ' km/h, where no trip of that length '
    || '(' || fastest.fastest_means || ')'
    || ' exceeds ' || cast(fastest.speed_limit_kmh as {{ dbt.type_string() }}) || ' km/h; '
    || cast(per_cadre.impossible_legs as {{ dbt.type_string() }}) || ' such jump(s) on '
    || cast(per_cadre.impossible_days as {{ dbt.type_string() }}) || ' day(s) up to ' || cast(cast(per_cadre.last_seen as date) as {{ dbt.type_string() }}) as evidence,
    'consecutive_checkins' as evidence_key
from per_cadre
inner join fastest_leg as fastest
    on fastest.cadre_id = per_cadre.cadre_id
