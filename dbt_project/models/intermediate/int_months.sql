-- Every local calendar month the landing data covers: each month with at
-- least one valid login, check-in, vote or case opened. Only months that have
-- data (issue 11): a stray far-off date that got past the validator's window
-- (a case's opened_at may be old) adds its own month, never the years between.
with event_months as (
    select {{ month_of('login_at') }} as month from {{ ref('stg_app_logins') }}
    union
    select {{ month_of('checkin_at') }} from {{ ref('stg_checkins') }}
    union
    select {{ month_of('voted_at') }} from {{ ref('stg_votes') }}
    union
    select {{ month_of('opened_at') }} from {{ ref('stg_cases') }}
)

{{ months_with_data('event_months') }}
