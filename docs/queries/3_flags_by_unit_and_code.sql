-- Which units have flags, of which code, on how many cadres, since when, and how far has review got?
-- open_flags await an inspector's verdict (review_status open, reopened or needs-evidence);
-- a dismissed flag stays counted in `flags`, so nothing disappears from the table.
-- The published copy withholds each flag's evidence sentence and subject (they name devices and
-- positions): an inspector reads them in `fingertip report`, or on the warehouse by flag_id.
with cadre_unit as (select distinct cadre_id, unit_id from marts.cadre_monthly)
select
    u.unit_id,
    f.flag_code,
    count(*) as flags,
    count(*) filter (where f.review_status in ('open', 'reopened', 'needs-evidence')) as open_flags,
    count(*) filter (where f.review_status = 'confirmed') as confirmed,
    count(*) filter (where f.review_status = 'dismissed') as dismissed,
    count(*) filter (where f.severity = 'high') as high_severity,
    count(distinct f.cadre_id) as cadres,
    min(f.first_seen) as first_seen,
    max(f.last_seen) as last_seen,
    string_agg(f.flag_id, ', ' order by f.first_seen) as flag_ids
from marts.padding_flags as f
join cadre_unit as u using (cadre_id)
group by u.unit_id, f.flag_code
order by open_flags desc, high_severity desc, flags desc, u.unit_id, f.flag_code;
