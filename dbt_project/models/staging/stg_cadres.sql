-- The cadres snapshot. A repeated cadre_id keeps its first row; ops.load_audit counts the rest as duplicates.
with snapshot as (
    select * from {{ source('lake', 'cadres') }}
),

first_row_per_id as (
    select
        *,
        row_number() over (partition by cadre_id order by _row) as id_rank
    from snapshot
)

select
    cadre_id,
    full_name,
    unit_id,
    position,
    hired_on,
    active,
    _file as source_file
from first_row_per_id
where id_rank = 1
