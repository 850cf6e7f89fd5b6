-- Resolved cases closed within instant_max_seconds of being opened, with how
-- many such cases the same cadre had on the same (opening) day. One row per
-- such case; int_cases__padded keeps those on days with
-- >= instant_min_cases_per_day of them.
--
-- Only status 'resolved' counts: resolved cases are the results that scores
-- count; a request closed at once as a duplicate or transferred is not a result
-- claimed.

with cases as (
    select
        case_id,
        cadre_id,
        opened_at,
        closed_at,
        cast(opened_at as date) as opened_day,
        {{ dbt.datediff('opened_at', 'closed_at', 'second') }} as seconds_to_close
    from {{ ref('stg_cases') }}
    where status = 'resolved'
      and closed_at is not null
),

instant_closures as (
    select *
    from cases
    where seconds_to_close <= {{ var('instant_max_seconds') }}
)

select
    instant_closures.*,
    count(*) over (partition by cadre_id, opened_day) as instant_closures_that_day
from instant_closures
