-- Which cadres' trace score rose from one month to the next while their result score fell?
with scored as (
    select
        cadre_id,
        unit_id,
        month,
        trace_score,
        result_score,
        lag(month) over cadre_months as previous_month,
        lag(trace_score) over cadre_months as previous_trace_score,
        lag(result_score) over cadre_months as previous_result_score
    from marts.cadre_monthly
    window cadre_months as (partition by cadre_id order by month)
)
select
    cadre_id,
    unit_id,
    previous_month,
    month,
    round(trace_score - previous_trace_score, 1) as trace_change,
    round(result_score - previous_result_score, 1) as result_change,
    round(trace_score, 1) as trace_score,
    round(result_score, 1) as result_score
from scored
where trace_score > previous_trace_score
  and result_score < previous_result_score
order by (trace_score - previous_trace_score) - (result_score - previous_result_score) desc, cadre_id, month;
