-- Resolved cases closed within minutes of being opened, one row per such case,
-- and whether it belongs to a bulk of them (is_bulk_closure):
--   * textbook: closed within instant_max_seconds, on a day the cadre had at
--     least instant_min_cases_per_day such cases;
--   * spread out (the padder waits a few minutes and pads a few a day): closed
--     within quick_max_seconds, on a day with at least quick_min_cases_per_day
--     such cases, and the cadre had such days on at least quick_min_days days:
--     a habit, not one service day of quick questions.
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
    where
        status = 'resolved'
        and closed_at is not null
),

quick_closures as (
    select
        cases.*,
        case when seconds_to_close <= {{ var('instant_max_seconds') }} then 1 else 0 end as is_instant
    from cases
    where seconds_to_close <= {{ var('quick_max_seconds') }}
),

per_day as (
    select
        quick_closures.*,
        sum(is_instant) over (partition by cadre_id, opened_day) as instant_closures_that_day,
        count(*) over (partition by cadre_id, opened_day) as quick_closures_that_day
    from quick_closures
),

quick_bulk_days_per_cadre as (
    select
        cadre_id,
        count(distinct opened_day) as quick_bulk_days
    from per_day
    where quick_closures_that_day >= {{ var('quick_min_cases_per_day') }}
    group by cadre_id
),

with_bulk_days as (
    select
        per_day.*,
        coalesce(bulk.quick_bulk_days, 0) as quick_bulk_days
    from per_day
    left join quick_bulk_days_per_cadre as bulk
        on bulk.cadre_id = per_day.cadre_id
)

select
    case_id,
    cadre_id,
    opened_at,
    closed_at,
    opened_day,
    seconds_to_close,
    instant_closures_that_day,
    quick_closures_that_day,
    quick_bulk_days,
    (
        (is_instant = 1 and instant_closures_that_day >= {{ var('instant_min_cases_per_day') }})
        or (
            quick_closures_that_day >= {{ var('quick_min_cases_per_day') }}
            and quick_bulk_days >= {{ var('quick_min_days') }}
        )
    ) as is_bulk_closure
from with_bulk_days
