-- Which units have the most trace-heavy cadres in the latest month?
-- (trace-heavy: trace_score high, result_score low; see marts.cadre_monthly.quadrant)
with latest as (select max(month) as month from marts.cadre_monthly)
select
    c.unit_id,
    c.month,
    count(*) as cadres,
    count(*) filter (where c.quadrant = 'trace_heavy') as trace_heavy_cadres,
    round(count(*) filter (where c.quadrant = 'trace_heavy') / count(*), 2) as trace_heavy_share,
    round(avg(c.trace_score), 1) as avg_trace_score,
    round(avg(c.result_score), 1) as avg_result_score
from marts.cadre_monthly as c
join latest using (month)
group by c.unit_id, c.month
order by trace_heavy_cadres desc, trace_heavy_share desc, c.unit_id;
