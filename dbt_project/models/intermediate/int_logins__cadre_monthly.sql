-- Login traces per cadre and month (warehouse contract definitions).
with logins as (
    select
        cadre_id,
        app_id,
        {{ month_of('login_at') }} as month,
        actions,
        case
            when logout_at is null then 0
            else least({{ minutes_between('login_at', 'logout_at') }}, {{ var('max_session_minutes') }})
        end as session_minutes
    from {{ ref('stg_app_logins') }}
)

select
    cadre_id,
    month,
    count(*) as login_count,
    count(distinct app_id) as distinct_apps,
    sum(session_minutes) as screen_minutes,
    count(case when actions = 0 then 1 end) as trace_only_logins
from logins
group by cadre_id, month
