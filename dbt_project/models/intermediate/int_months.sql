-- Every local calendar month the landing data covers: from the first to the
-- last month with any login, check-in, vote or case opened, gaps included.
with event_months as (
    select {{ month_of('login_at') }} as month from {{ ref('stg_app_logins') }}
    union
    select {{ month_of('checkin_at') }} from {{ ref('stg_checkins') }}
    union
    select {{ month_of('voted_at') }} from {{ ref('stg_votes') }}
    union
    select {{ month_of('opened_at') }} from {{ ref('stg_cases') }}
),

bounds as (
    select min(month) as first_month, max(month) as last_month from event_months
)

{{ month_spine('bounds') }}
