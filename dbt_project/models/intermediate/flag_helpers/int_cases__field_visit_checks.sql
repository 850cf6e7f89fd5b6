-- Claimed field visits checked against the cadre's phone trail. One row per
-- case with field_visit_claimed and a case location, when the cadre has any
-- check-in between the day the case was opened and the day it was closed
-- (last updated, if still open): only then can the trail say anything. A
-- cadre without check-ins on those days cannot be judged and is left out.
--
-- verified: some check-in of the cadre in that window lies within
-- visit_radius_km of the case location, the check-in's GPS accuracy radius
-- given to the cadre's favour.

with claimed_visits as (
    select
        case_id,
        cadre_id,
        opened_at,
        closed_at,
        updated_at,
        location_lat,
        location_lon,
        cast(opened_at as date) as window_start_day,
        cast(coalesce(closed_at, updated_at) as date) as window_end_day
    from {{ ref('stg_cases') }}
    where
        field_visit_claimed
        and location_lat is not null
        and location_lon is not null
),

checkins as (
    select
        cadre_id,
        checkin_at,
        cast(checkin_at as date) as checkin_day,
        lat,
        lon,
        coalesce(accuracy_m, 0) as accuracy_m
    from {{ ref('stg_checkins') }}
),

visit_trail as (
    select
        visits.case_id,
        visits.cadre_id,
        visits.opened_at,
        visits.closed_at,
        visits.window_start_day,
        visits.window_end_day,
        checkins.checkin_at,
        {{ haversine_km('visits.location_lat', 'visits.location_lon', 'checkins.lat', 'checkins.lon') }}
        - checkins.accuracy_m / 1000.0 as distance_km
    from claimed_visits as visits
    inner join checkins
        on
            checkins.cadre_id = visits.cadre_id
            and checkins.checkin_day between visits.window_start_day and visits.window_end_day
)

select
    case_id,
    cadre_id,
    opened_at,
    closed_at,
    window_start_day,
    window_end_day,
    count(*) as checkins_in_window,
    min(distance_km) as nearest_checkin_km,
    min(distance_km) <= {{ var('visit_radius_km') }} as is_verified
from visit_trail
group by case_id, cadre_id, opened_at, closed_at, window_start_day, window_end_day
