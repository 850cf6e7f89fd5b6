-- marts.padding_flags: one row per suspected fabrication (warehouse contract),
-- with the inspectors' latest verdict. A dismissed flag stays dismissed while
-- its evidence sentence is the one the inspector saw; when the evidence grows
-- (the same pattern continues) it is reopened. New evidence of another kind is
-- another evidence key, hence another flag.

with flags as (
    select * from {{ ref('int_padding_flags__unioned') }}
),

latest_reviews as (
    select * from {{ ref('int_flag_reviews__latest') }}
)

select
    flags.flag_id,
    flags.flag_code,
    flags.cadre_id,
    flags.subject_id,
    flags.first_seen,
    flags.last_seen,
    flags.severity,
    flags.evidence,
    latest_reviews.verdict as review_verdict,
    latest_reviews.reviewed_at,
    case
        when latest_reviews.flag_id is null then 'open'
        when
            latest_reviews.verdict = 'dismissed'
            and latest_reviews.evidence_at_review is not null
            and latest_reviews.evidence_at_review <> flags.evidence then 'reopened'
        else latest_reviews.verdict
    end as review_status
from flags
left join latest_reviews on flags.flag_id = latest_reviews.flag_id
