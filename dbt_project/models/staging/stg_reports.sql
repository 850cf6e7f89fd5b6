-- An event delivered again (same report_id) is loaded once: the first delivery wins.
-- Timestamps are Asia/Shanghai wall-clock time (normalised at ingest).
with deliveries as (
    select * from {{ source('lake', 'reports') }}
),

ranked as (
    select
        *,
        row_number() over (partition by report_id order by _dt, _file, _row) as delivery_rank
    from deliveries
)

select
    report_id,
    cadre_id,
    period,
    item,
    metric,
    value,
    submitted_at,
    value_text,
    _dt as delivered_on,
    _file as source_file
from ranked
where delivery_rank = 1
