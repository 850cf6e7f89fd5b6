-- An event delivered again (same vote_id) is loaded once: the first delivery wins.
-- Timestamps are Asia/Shanghai wall-clock time (normalised at ingest).
with deliveries as (
    select * from {{ source('lake', 'votes') }}
),

ranked as (
    select
        *,
        row_number() over (partition by vote_id order by _dt, _file, _row) as delivery_rank
    from deliveries
)

select
    vote_id,
    campaign_id,
    voter_id,
    target_id,
    action,
    voted_at,
    device_id,
    ip,
    _dt as delivered_on,
    _file as source_file
from ranked
where delivery_rank = 1
