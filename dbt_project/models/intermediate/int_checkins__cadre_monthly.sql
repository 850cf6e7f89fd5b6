-- Check-ins per cadre and month.
select
    cadre_id,
    {{ month_of('checkin_at') }} as month,
    count(*) as checkin_count
from {{ ref('stg_checkins') }}
group by cadre_id, {{ month_of('checkin_at') }}
