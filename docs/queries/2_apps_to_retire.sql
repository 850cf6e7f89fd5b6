-- Which apps should be retired or merged, and why?
-- The verdict and its rule are in marts.app_portfolio (dbt docs, column `verdict`);
-- `why` spells out the numbers behind it.
select
    app_id,
    app_name,
    function_category,
    verdict,
    active_cadres,
    round(trace_only_share, 2) as trace_only_share,
    round(logins_per_active_cadre_per_week, 1) as logins_per_active_cadre_per_week,
    mandatory,
    overlapping_apps,
    concat_ws('; ',
        format('{:.0f}% of sessions had no action', 100 * trace_only_share),
        format('{} active cadres', active_cadres),
        case when overlapping_apps is not null then 'same function as ' || overlapping_apps end,
        case when mandatory then 'mandatory' end
    ) as why
from marts.app_portfolio
where verdict <> 'keep'
order by verdict desc, trace_only_share desc, app_id;
