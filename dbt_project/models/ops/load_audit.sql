-- One row per landing file read. rows_loaded counts the rows that made it into
-- the warehouse; rows_duplicate the valid rows that did not because their id
-- was delivered before (for cases: superseded versions). So for every readable
-- file rows_read = rows_loaded + rows_duplicate + rows_quarantined.
with file_books as (
    select * from {{ source('ingest_books', 'audit') }}
),

rows_loaded_per_file as (
    {% for model in ['stg_app_logins', 'stg_checkins', 'stg_votes', 'stg_cases', 'stg_reports',
                     'stg_units', 'stg_cadres', 'stg_apps', 'stg_campaigns'] %}
        select source_file, count(*) as rows_loaded from {{ ref(model) }} group by source_file
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    file_books.source,
    file_books.file_path,
    file_books.dt,
    file_books.rows_read,
    coalesce(rows_loaded_per_file.rows_loaded, 0) as rows_loaded,
    coalesce(file_books.rows_valid, 0) - coalesce(rows_loaded_per_file.rows_loaded, 0) as rows_duplicate,
    file_books.rows_quarantined,
    file_books.status,
    file_books.error,
    file_books.loaded_at
from file_books
left join rows_loaded_per_file
    on file_books.file_path = rows_loaded_per_file.source_file
