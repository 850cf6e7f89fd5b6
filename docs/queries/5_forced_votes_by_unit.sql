-- How many votes in mandatory campaigns does each unit's cadre cast per month, beside their screen time?
select
    unit_id,
    month,
    cadres,
    forced_votes,
    round(forced_votes / cadres, 1) as forced_votes_per_cadre,
    round(avg_screen_minutes, 0) as avg_screen_minutes,
    round(avg_distinct_apps, 1) as avg_distinct_apps,
    round(resolution_rate, 2) as resolution_rate
from marts.unit_monthly
where cadres > 0
order by month desc, forced_votes_per_cadre desc, unit_id;
