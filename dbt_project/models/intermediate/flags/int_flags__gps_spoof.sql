-- gps_spoof: one spot across days with less scatter than real GPS fixes show.
--
-- A real GPS fix scatters by metres, in step with the accuracy the phone
-- reports. A mock-location app reports the same fake spot, exactly or plus a
-- small random offset (centimetres to a few metres), with GPS-like accuracy
-- figures. So, per cadre and place, the rule counts the fixes in a small core
-- around the spot and compares that with how many honest GPS fixes, at the
-- accuracies reported, would land there by chance (Rayleigh scatter).
--
-- Positions delivered with fewer than gps_min_decimals decimals are too coarse
-- to show a scatter of metres and are not judged either.
--
-- Network positioning (coarse accuracy) may repeat a place's coordinates
-- exactly and honestly: those fixes are never judged, nor coordinates that
-- several cadres report (a venue's or an access point's snapped position).
--
-- Cost: fixes are compared only within one cadre, neighbouring blocks of a
-- few metres and gps_window_days of each other (an equality join on blocks
-- and window buckets), and places within one cadre; across cadres only an
-- equality group on exact coordinates.

{% set core_radii = var('gps_core_radii_m') %}
{# Blocks at least the largest core radius wide (in metres) up to 60 degrees of
    latitude, so that every pair within a core radius is in neighbouring blocks. #}
{% set block_degrees = (core_radii | max) / 55660 -%}
{% set window_days = [var('gps_window_days'), 1] | max -%}

with checkins as (
    select
        checkin_id,
        cadre_id,
        device_id,
        checkin_at,
        cast(checkin_at as date) as checkin_day,
        lat,
        lon,
        accuracy_m
    from {{ ref('stg_checkins') }}
    where
        lat is not null
        and lon is not null
        and accuracy_m is not null
        -- a feed rounded to 4 decimals (11 m) repeats honestly: too coarse to judge
        and length(trim(lat_text)) - position('.' in trim(lat_text)) >= {{ var('gps_min_decimals') }}
        and length(trim(lon_text)) - position('.' in trim(lon_text)) >= {{ var('gps_min_decimals') }}
        and position('.' in trim(lat_text)) > 0
        and position('.' in trim(lon_text)) > 0
),

gps_grade_fixes as (
    select *
    from checkins
    where accuracy_m < {{ var('gps_network_min_accuracy_m') }}
),

shared_coordinates as (
    select lat, lon
    from gps_grade_fixes
    group by lat, lon
    having count(distinct cadre_id) >= {{ var('gps_shared_place_min_cadres') }}
),

own_fixes as (
    select
        gps.*,
        floor(gps.lat * {{ var('gps_cells_per_degree') }}) as cell_lat,
        floor(gps.lon * {{ var('gps_cells_per_degree') }}) as cell_lon,
        floor(gps.lat / {{ block_degrees }}) as block_lat,
        floor(gps.lon / {{ block_degrees }}) as block_lon,
        -- fixes at most gps_window_days apart lie in one window bucket or in two adjacent ones
        {{ window_bucket('gps.checkin_day', window_days) }} as window_bucket
    from gps_grade_fixes as gps
    left join shared_coordinates as shared
        on
            shared.lat = gps.lat
            and shared.lon = gps.lon
    where shared.lat is null
),

core_radii as (
    {% for radius in core_radii -%}
        select cast({{ radius }} as double) as core_radius_m
        {% if not loop.last %}union all
        {% endif %}
    {%- endfor %}
),

-- Each fix copied into its own and the eight neighbouring blocks, so that the
-- search for fixes within a core radius is an equality join.
block_neighbours as (
    select
        own_fixes.*,
        own_fixes.block_lat + shift.lat_shift as search_lat,
        own_fixes.block_lon + shift.lon_shift as search_lon
    from own_fixes
    cross join (
        values (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1)
    ) as shift (lat_shift, lon_shift)
),

-- Each fix as an anchor once per window bucket its window reaches (its own
-- and the two beside it): the smaller side of the join below is copied, not
-- the nine block copies.
anchors_in_reach as (
    select
        own_fixes.*,
        own_fixes.window_bucket + shift.bucket_shift as search_bucket
    from own_fixes
    cross join (values (-1), (0), (1)) as shift (bucket_shift)
),

-- For every fix and core radius: on how many days within gps_window_days of
-- it the cadre was within that radius of it. The densest fix is the spot a
-- spoofing app replays.
days_near_each_fix as (
    select
        anchor.checkin_id as anchor_checkin_id,
        anchor.cadre_id,
        anchor.lat as spot_lat,
        anchor.lon as spot_lon,
        anchor.cell_lat,
        anchor.cell_lon,
        core_radii.core_radius_m,
        count(distinct other.checkin_day) as days_near
    from anchors_in_reach as anchor
    inner join block_neighbours as other
        on
            other.cadre_id = anchor.cadre_id
            and other.search_lat = anchor.block_lat
            and other.search_lon = anchor.block_lon
            and other.window_bucket = anchor.search_bucket
    cross join core_radii
    where
        1000 * {{ haversine_km('anchor.lat', 'anchor.lon', 'other.lat', 'other.lon') }} <= core_radii.core_radius_m
        and other.checkin_day between {{ days_add(-window_days, 'anchor.checkin_day') }}
        and {{ days_add(window_days, 'anchor.checkin_day') }}
    group by
        anchor.checkin_id, anchor.cadre_id, anchor.lat, anchor.lon,
        anchor.cell_lat, anchor.cell_lon, core_radii.core_radius_m
),

densest_spots as (
    select *
    from (
        select
            days_near_each_fix.*,
            row_number() over (
                partition by cadre_id, core_radius_m
                order by days_near desc, anchor_checkin_id
            ) as density_rank
        from days_near_each_fix
    ) as ranked
    where
        density_rank = 1
        and days_near >= {{ var('gps_min_days') }}
),

-- Every GPS-grade fix of the cadre around the spot (a cell edge must not split
-- a place), with the chance that an honest fix at its reported accuracy would
-- land in the core (Rayleigh: 1 - exp(-r^2 / 2 sigma^2)).
place_fixes as (
    select
        spot.cadre_id,
        spot.core_radius_m,
        spot.spot_lat,
        spot.spot_lon,
        gps.checkin_id,
        gps.device_id,
        gps.checkin_at,
        gps.checkin_day,
        gps.accuracy_m,
        1000 * {{ haversine_km('spot.spot_lat', 'spot.spot_lon', 'gps.lat', 'gps.lon') }} as metres_from_spot,
        1 - exp(
            -power(spot.core_radius_m, 2)
            / (2 * power(greatest(gps.accuracy_m / {{ var('gps_accuracy_sigmas') }}, {{ var('gps_min_sigma_m') }}), 2))
        ) as honest_core_chance
    from densest_spots as spot
    inner join own_fixes as gps
        on
            gps.cadre_id = spot.cadre_id
            and abs(gps.cell_lat - spot.cell_lat) <= 1
            and abs(gps.cell_lon - spot.cell_lon) <= 1
    where
        1000 * {{ haversine_km('spot.spot_lat', 'spot.spot_lon', 'gps.lat', 'gps.lon') }}
        <= {{ var('gps_place_radius_m') }}
),

spot_evidence as (
    select
        cadre_id,
        core_radius_m,
        spot_lat,
        spot_lon,
        count(*) as place_checkins,
        sum(honest_core_chance) as expected_core_checkins,
        sum(case when metres_from_spot <= core_radius_m then 1 else 0 end) as core_checkins,
        count(distinct case when metres_from_spot <= core_radius_m then checkin_day end) as core_days,
        max(case when metres_from_spot <= core_radius_m then metres_from_spot end) as core_max_metres,
        sum(case when metres_from_spot = 0 then 1 else 0 end) as exact_repeats,
        percentile_cont(0.5) within group (order by metres_from_spot) as median_metres,
        min(case when metres_from_spot <= core_radius_m then accuracy_m end) as core_min_accuracy_m,
        max(case when metres_from_spot <= core_radius_m then accuracy_m end) as core_max_accuracy_m,
        count(distinct case when metres_from_spot <= core_radius_m then device_id end) as core_devices,
        max(case when metres_from_spot <= core_radius_m then device_id end) as any_core_device,
        min(case when metres_from_spot <= core_radius_m then checkin_at end) as first_seen,
        max(case when metres_from_spot <= core_radius_m then checkin_at end) as last_seen
    from place_fixes
    group by cadre_id, core_radius_m, spot_lat, spot_lon
),

-- One finding per cadre: the radius at which the spot stands out most.
too_tight_spots as (
    select *
    from (
        select
            spot_evidence.*,
            row_number() over (
                partition by cadre_id
                order by core_checkins / expected_core_checkins desc, core_radius_m
            ) as finding_rank
        from spot_evidence
        where
            core_days >= {{ var('gps_min_days') }}
            and core_checkins >= {{ var('gps_min_lift') }} * expected_core_checkins
            -- Chernoff bound on the Poisson tail: ln P(X >= k) <= -lambda + k (1 + ln lambda - ln k)
            and -expected_core_checkins
            + core_checkins * (1 + ln(expected_core_checkins) - ln(core_checkins))
            <= ln({{ var('gps_max_chance') }})
    ) as ranked
    where finding_rank = 1
)

select
    'gps_spoof' as flag_code,
    cadre_id,
    case when core_devices = 1 then any_core_device end as subject_id,
    first_seen,
    last_seen,
    case when core_days >= {{ var('gps_high_days') }} then 'high' else 'medium' end as severity,
    cadre_id || ' checked in at one spot on ' || cast(core_days as {{ dbt.type_string() }})
    || ' days between ' || cast(cast(first_seen as date) as {{ dbt.type_string() }})
    || ' and ' || cast(cast(last_seen as date) as {{ dbt.type_string() }})
    || ': ' || cast(core_checkins as {{ dbt.type_string() }}) || ' check-ins within '
    || {{ rounded_text('core_max_metres', 1) }}
    || ' m of one spot (' || cast(exact_repeats as {{ dbt.type_string() }})
    || ' at exactly the same coordinates), while the phone reported an accuracy of '
    || cast(cast(round(core_min_accuracy_m, 0) as integer) as {{ dbt.type_string() }}) || '-'
    || cast(cast(round(core_max_accuracy_m, 0) as integer) as {{ dbt.type_string() }})
    || ' m; real GPS fixes at that accuracy would put about '
    || {{ rounded_text('expected_core_checkins', 1) }}
    || ' of its ' || cast(place_checkins as {{ dbt.type_string() }})
    || ' check-ins at this place that close (chance at most '
    || {{ rounded_text('exp(-expected_core_checkins + core_checkins * (1 + ln(expected_core_checkins) - ln(core_checkins)))', 6) }}
    || '; they lie a median '
    || {{ rounded_text('median_metres', 1) }} || ' m from the spot)' as evidence,
    -- floor() of a DOUBLE is a DOUBLE on DuckDB ('38663.0'), a BIGINT on Spark: the key is written as DuckDB writes it
    {{ double_text('floor(spot_lat * ' ~ var('gps_cells_per_degree') ~ ')') }} || ','
    || {{ double_text('floor(spot_lon * ' ~ var('gps_cells_per_degree') ~ ')') }} as evidence_key
from too_tight_spots
