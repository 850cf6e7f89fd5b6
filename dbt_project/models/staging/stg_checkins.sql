-- An event delivered again (same checkin_id) is loaded once: the first delivery wins.
-- Timestamps are Asia/Shanghai wall-clock time (normalised at ingest).
with deliveries as (
    select * from {{ source('lake', 'checkins') }}
),

ranked as (
    select
        *,
        row_number() over (partition by checkin_id order by _dt, _file, _row) as delivery_rank
    from deliveries
)

select
    checkin_id,
    cadre_id,
    app_id,
    kind,
    checkin_at,
    lat,
    lon,
    accuracy_m,
    device_id,
    photo_hash,
    lat_text,
    lon_text,
    _dt as delivered_on,
    _file as source_file
from ranked
where delivery_rank = 1
