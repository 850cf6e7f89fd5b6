-- A case is delivered again each time it changes: the version with the latest
-- updated_at is its current state (ties: the later delivery).
-- Timestamps are Asia/Shanghai wall-clock time (normalised at ingest).
with deliveries as (
    select * from {{ source('lake', 'cases') }}
),

ranked as (
    select
        *,
        row_number() over (partition by case_id order by updated_at desc, _dt desc, _file desc, _row desc) as delivery_rank
    from deliveries
)

select
    case_id,
    cadre_id,
    category,
    opened_at,
    first_reply_at,
    closed_at,
    status,
    field_visit_claimed,
    resident_rating,
    location_lat,
    location_lon,
    updated_at,
    _dt as delivered_on,
    _file as source_file
from ranked
where delivery_rank = 1
