-- An event delivered again (same login_id) is loaded once: the first delivery wins.
-- Timestamps are Asia/Shanghai wall-clock time (normalised at ingest).
with deliveries as (
    select * from {{ source('lake', 'app_logins') }}
),

ranked as (
    select
        *,
        row_number() over (partition by login_id order by _dt, _file, _row) as delivery_rank
    from deliveries
)

select
    login_id,
    cadre_id,
    app_id,
    device_id,
    ip,
    login_at,
    logout_at,
    actions,
    _dt as delivered_on,
    _file as source_file
from ranked
where delivery_rank = 1
