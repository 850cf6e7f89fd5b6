-- Inspectors' verdicts, as recorded: ops.flag_reviews is append-only, so this
-- is every verdict ever given, including those later superseded.
select
    review_id,
    flag_id,
    flag_code,
    cadre_id,
    verdict,
    note,
    reviewed_by,
    reviewed_at,
    evidence_at_review,
    recorded_from
from {{ source('ops', 'flag_reviews') }}
