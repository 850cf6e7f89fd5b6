-- The campaigns snapshot. A repeated campaign_id keeps its first row; ops.load_audit counts the rest as duplicates.
with snapshot as (
    select * from {{ source('lake', 'campaigns') }}
),

first_row_per_id as (
    select
        *,
        row_number() over (partition by campaign_id order by _row) as id_rank
    from snapshot
)

select
    campaign_id,
    title,
    kind,
    mandatory,
    starts_on,
    ends_on,
    _file as source_file
from first_row_per_id
where id_rank = 1
