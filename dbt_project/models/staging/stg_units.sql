-- The units snapshot. A repeated unit_id keeps its first row; ops.load_audit counts the rest as duplicates.
with snapshot as (
    select * from {{ source('lake', 'units') }}
),

first_row_per_id as (
    select
        *,
        row_number() over (partition by unit_id order by _row) as id_rank
    from snapshot
)

select
    unit_id,
    unit_name,
    county,
    office_lat,
    office_lon,
    _file as source_file
from first_row_per_id
where id_rank = 1
