-- gps_spoof: check-in positions repeated to the last decimal across days.
-- A real GPS fix jitters by metres between fixes, so the same latitude AND
-- longitude to 6 decimals (0.11 m) on several days is a typed-in or replayed
-- position (a location-spoofing app), not a phone standing at the office.
--
-- The comparison is on the position exactly as delivered (lat_text, lon_text),
-- not on the parsed DOUBLE, and only positions delivered with at least
-- gps_min_decimals decimals count: a feed rounded to 4 decimals (11 m) repeats
-- honestly every day.
--
-- Honest look-alikes that stay silent: jitter around the same office, coarse
-- positions, one cached fix re-sent once or twice.

with positions as (
    select
        checkin_id,
        cadre_id,
        device_id,
        checkin_at,
        cast(checkin_at as date) as checkin_day,
        trim(lat_text) as lat_text,
        trim(lon_text) as lon_text
    from {{ ref('stg_checkins') }}
    where lat_text is not null
      and lon_text is not null
),

precise_positions as (
    select *
    from positions
    where position('.' in lat_text) > 0
      and position('.' in lon_text) > 0
      and length(lat_text) - position('.' in lat_text) >= {{ var('gps_min_decimals') }}
      and length(lon_text) - position('.' in lon_text) >= {{ var('gps_min_decimals') }}
),

repeated_positions as (
    select
        cadre_id,
        lat_text,
        lon_text,
        count(distinct checkin_day) as days_repeated,
        count(*) as checkins,
        count(distinct device_id) as devices,
        max(device_id) as any_device_id,
        min(checkin_at) as first_seen,
        max(checkin_at) as last_seen
    from precise_positions
    group by cadre_id, lat_text, lon_text
)

select
    'gps_spoof' as flag_code,
    cadre_id,
    case when devices = 1 then any_device_id end as subject_id,
    first_seen,
    last_seen,
    case when days_repeated >= {{ var('gps_high_days') }} then 'high' else 'medium' end as severity,
    cadre_id || ' checked in at exactly ' || lat_text || ', ' || lon_text
        || ' on ' || cast(days_repeated as varchar) || ' different days between '
        || cast(cast(first_seen as date) as varchar) || ' and ' || cast(cast(last_seen as date) as varchar)
        || ' (' || cast(checkins as varchar) || ' check-ins from ' || cast(devices as varchar)
        || ' device(s)); real GPS fixes jitter by metres and never repeat to the last decimal' as evidence,
    lat_text || ',' || lon_text as evidence_key
from repeated_positions
where days_repeated >= {{ var('gps_min_days') }}
