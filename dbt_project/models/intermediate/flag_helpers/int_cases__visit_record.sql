-- Each cadre's record of claimed field visits against the phone trail, one
-- row per cadre with judged visits (int_cases__field_visit_checks), and
-- whether it is bad enough to call the unverified ones padded:
--   * at least visit_min_cases unverified visits (one or two is a forgotten
--     check-in), and
--   * at least visit_min_share of the cadre's judged visits unverified, and
--   * at least visit_min_lift times the share among all other cadres: where
--     check-in discipline is lax for everyone, the bar rises with it.

with per_cadre as (
    select
        cadre_id,
        count(*) as judged_visits,
        sum(case when is_verified then 0 else 1 end) as unverified_visits
    from {{ ref('int_cases__field_visit_checks') }}
    group by cadre_id
),

totals as (
    select sum(judged_visits) as all_judged, sum(unverified_visits) as all_unverified
    from per_cadre
),

with_peers as (
    select
        per_cadre.*,
        case
            when totals.all_judged > per_cadre.judged_visits
                then
                    (totals.all_unverified - per_cadre.unverified_visits) * 1.0
                    / (totals.all_judged - per_cadre.judged_visits)
            else 0
        end as peer_unverified_share
    from per_cadre
    cross join totals
)

select
    with_peers.*,
    (
        unverified_visits >= {{ var('visit_min_cases') }}
        and unverified_visits >= {{ var('visit_min_share') }} * judged_visits
        and unverified_visits >= {{ var('visit_min_lift') }} * peer_unverified_share * judged_visits
    ) as flagged_unverified_visits
from with_peers
