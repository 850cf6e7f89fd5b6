-- The apps snapshot. A repeated app_id keeps its first row; ops.load_audit counts the rest as duplicates.
with snapshot as (
    select * from {{ source('lake', 'apps') }}
),

first_row_per_id as (
    select
        *,
        row_number() over (partition by app_id order by _row) as id_rank
    from snapshot
)

select
    app_id,
    app_name,
    owner_department,
    function_category,
    mandatory,
    _file as source_file
from first_row_per_id
where id_rank = 1
