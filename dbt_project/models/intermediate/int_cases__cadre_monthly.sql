-- Results per cadre and month, from the current state of every case.
-- genuine_resolved leaves out cases judged padded (int_cases__padded):
-- a padded case is not a result.
with cases as (
    select
        cases.*,
        padded.case_id is not null as is_padded
    from {{ ref('stg_cases') }} as cases
    left join (select distinct case_id from {{ ref('int_cases__padded') }}) as padded
        on cases.case_id = padded.case_id
),

opened as (
    select
        cadre_id,
        {{ month_of('opened_at') }} as month,
        count(*) as cases_opened,
        median({{ minutes_between('opened_at', 'first_reply_at') }}) as median_reply_minutes
    from cases
    group by cadre_id, {{ month_of('opened_at') }}
),

closed as (
    select
        cadre_id,
        {{ month_of('closed_at') }} as month,
        count(case when status = 'resolved' then 1 end) as cases_resolved,
        count(case when status = 'resolved' and not is_padded then 1 end) as genuine_resolved,
        avg(resident_rating) as avg_rating
    from cases
    where closed_at is not null
    group by cadre_id, {{ month_of('closed_at') }}
)

select
    coalesce(opened.cadre_id, closed.cadre_id) as cadre_id,
    coalesce(opened.month, closed.month) as month,
    coalesce(opened.cases_opened, 0) as cases_opened,
    coalesce(closed.cases_resolved, 0) as cases_resolved,
    coalesce(closed.genuine_resolved, 0) as genuine_resolved,
    opened.median_reply_minutes,
    closed.avg_rating
from opened
full outer join closed
    on opened.cadre_id = closed.cadre_id and opened.month = closed.month
