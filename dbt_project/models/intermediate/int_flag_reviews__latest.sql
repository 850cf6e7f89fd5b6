-- A flag's verdict is its latest review. reviewed_at keeps microseconds; a tie
-- falls back to review_id so the answer is the same on every build.
with ranked_reviews as (
    select
        *,
        row_number() over (partition by flag_id order by reviewed_at desc, review_id desc) as recency
    from {{ ref('stg_flag_reviews') }}
)

select flag_id, verdict, note, reviewed_by, reviewed_at, evidence_at_review
from ranked_reviews
where recency = 1
