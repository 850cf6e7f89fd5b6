-- Every invalid row (with its 1-based record number in the file) and every
-- rejected file (row_number null), with the reason and the row as delivered.
select
    source,
    file_path,
    dt,
    row_number,
    reason,
    raw,
    quarantined_at
from {{ source('ingest_books', 'quarantine') }}
