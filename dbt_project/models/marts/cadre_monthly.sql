-- One row per cadre in the roster and month the landing data covers, zeros
-- where the cadre left no trace; traces set against results.
{#- The result score's points before rounding (rounded_double rounds them as DuckDB does, on every engine). -#}
{%- set result_points -%}
    100 * (
        {{ var('result_weight_resolved') }} * resolved_rank
        + {{ var('result_weight_rating') }} * rating_rank
        + {{ var('result_weight_reply') }} * reply_rank
    )
{%- endset %}

with roster_months as (
    select cadres.cadre_id, cadres.unit_id, months.month
    from {{ ref('stg_cadres') }} as cadres
    cross join {{ ref('int_months') }} as months
),

activity as (
    select
        roster_months.cadre_id,
        roster_months.unit_id,
        roster_months.month,
        coalesce(logins.login_count, 0) as login_count,
        coalesce(logins.distinct_apps, 0) as distinct_apps,
        coalesce(logins.screen_minutes, 0) as screen_minutes,
        coalesce(logins.trace_only_logins, 0) as trace_only_logins,
        coalesce(checkins.checkin_count, 0) as checkin_count,
        coalesce(votes.votes_cast, 0) as votes_cast,
        coalesce(cases.cases_opened, 0) as cases_opened,
        coalesce(cases.cases_resolved, 0) as cases_resolved,
        coalesce(cases.genuine_resolved, 0) as genuine_resolved,
        cases.median_reply_minutes,
        cases.avg_rating
    from roster_months
    left join {{ ref('int_logins__cadre_monthly') }} as logins
        on roster_months.cadre_id = logins.cadre_id and roster_months.month = logins.month
    left join {{ ref('int_checkins__cadre_monthly') }} as checkins
        on roster_months.cadre_id = checkins.cadre_id and roster_months.month = checkins.month
    left join {{ ref('int_votes__cadre_monthly') }} as votes
        on roster_months.cadre_id = votes.cadre_id and roster_months.month = votes.month
    left join {{ ref('int_cases__cadre_monthly') }} as cases
        on roster_months.cadre_id = cases.cadre_id and roster_months.month = cases.month
),

-- Each measure ranked among all cadres in the same month (0 = least, 1 = most).
ranked as (
    select
        *,
        percent_rank() over (partition by month order by screen_minutes) as screen_rank,
        percent_rank() over (partition by month order by login_count) as login_rank,
        percent_rank() over (partition by month order by trace_only_logins) as trace_only_rank,
        percent_rank() over (partition by month order by checkin_count + votes_cast) as punch_and_vote_rank,
        percent_rank() over (partition by month order by genuine_resolved) as resolved_rank,
        percent_rank() over (partition by month order by coalesce(avg_rating, 0)) as rating_rank,
        -- Faster replies rank higher; no reply time ranks lowest.
        percent_rank() over (
            partition by month order by coalesce(-median_reply_minutes, -1e12)
        ) as reply_rank
    from activity
),

scored as (
    select
        *,
        {{ rounded_double('100 * (screen_rank + login_rank + trace_only_rank + punch_and_vote_rank) / 4', 1) }} as trace_score,
        case
            -- No genuine resolved case: nothing achieved for residents this month.
            when genuine_resolved = 0 then 0.0
            else {{ rounded_double(result_points, 1) }}
        end as result_score
    from ranked
)

select
    cadre_id,
    unit_id,
    month,
    login_count,
    distinct_apps,
    {{ rounded_double('screen_minutes', 2) }} as screen_minutes,
    trace_only_logins,
    checkin_count,
    votes_cast,
    cases_opened,
    cases_resolved,
    median_reply_minutes,
    avg_rating,
    trace_score,
    result_score,
    case
        when trace_score >= {{ var('quadrant_cut') }} and result_score >= {{ var('quadrant_cut') }} then 'busy_and_effective'
        when trace_score >= {{ var('quadrant_cut') }} then 'trace_heavy'
        when result_score >= {{ var('quadrant_cut') }} then 'quiet_achiever'
        else 'low_activity'
    end as quadrant
from scored
