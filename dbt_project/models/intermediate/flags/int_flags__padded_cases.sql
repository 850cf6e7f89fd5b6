-- padded_cases: cases opened and closed within seconds (or minutes, spread
-- over several days) in bulk, or field
-- visits claimed with no check-in near the case. One flag per (cadre, rule);
-- the cases themselves are listed in int_cases__padded.
--
-- Honest look-alikes that stay silent: a duplicate request closed at once now
-- and then (fewer than instant_min_cases_per_day on a day), a cadre who forgot
-- to check in on a visit or two (int_cases__visit_record: too few, too small a
-- share of their visits, or not far above other cadres' rate), cadres with no
-- check-ins to compare with.

with bulk_days as (
    select
        cadre_id,
        opened_day,
        count(*) as instant_cases,
        max(seconds_to_close) as slowest_seconds,
        min(opened_at) as first_opened_at,
        max(closed_at) as last_closed_at
    from {{ ref('int_cases__instant_closures') }}
    where is_bulk_closure
    group by cadre_id, opened_day
),

bulk_per_cadre as (
    select
        cadre_id,
        count(*) as bulk_days,
        sum(instant_cases) as instant_cases,
        max(instant_cases) as most_in_a_day,
        max(slowest_seconds) as slowest_seconds,
        min(first_opened_at) as first_seen,
        max(last_closed_at) as last_seen
    from bulk_days
    group by cadre_id
),

busiest_bulk_day as (
    select *
    from (
        select
            bulk_days.*,
            row_number() over (partition by cadre_id order by instant_cases desc, opened_day) as day_rank
        from bulk_days
    ) as ranked
    where day_rank = 1
),

unverified_per_cadre as (
    select
        checks.cadre_id,
        record.judged_visits,
        record.peer_unverified_share,
        count(*) as unverified_visits,
        count(distinct checks.window_start_day) as unverified_days,
        min(checks.nearest_checkin_km) as closest_km,
        min(checks.opened_at) as first_seen,
        max(coalesce(checks.closed_at, checks.opened_at)) as last_seen
    from {{ ref('int_cases__field_visit_checks') }} as checks
    inner join {{ ref('int_cases__visit_record') }} as record
        on record.cadre_id = checks.cadre_id
    where
        not checks.is_verified
        and record.flagged_unverified_visits
    group by checks.cadre_id, record.judged_visits, record.peer_unverified_share
)

select
    'padded_cases' as flag_code,
    bulk.cadre_id,
    cast(null as {{ dbt.type_string() }}) as subject_id,
    bulk.first_seen,
    bulk.last_seen,
    case when bulk.instant_cases >= {{ var('instant_high_cases') }} then 'high' else 'medium' end as severity,
    bulk.cadre_id || ' resolved ' || cast(busiest.instant_cases as {{ dbt.type_string() }}) || ' cases on '
    || cast(busiest.opened_day as {{ dbt.type_string() }}) || ' each within ' || cast(busiest.slowest_seconds as {{ dbt.type_string() }})
    || ' s of opening it; ' || cast(bulk.instant_cases as {{ dbt.type_string() }}) || ' such cases on '
    || cast(bulk.bulk_days as {{ dbt.type_string() }}) || ' day(s) (all closed within '
    || cast(bulk.slowest_seconds as {{ dbt.type_string() }}) || ' s; a real case takes a reply, a visit or a call)' as evidence,
    'instant_closure' as evidence_key
from bulk_per_cadre as bulk
inner join busiest_bulk_day as busiest
    on busiest.cadre_id = bulk.cadre_id

union all

select
    'padded_cases' as flag_code,
    cadre_id,
    cast(null as {{ dbt.type_string() }}) as subject_id,
    first_seen,
    last_seen,
    case when unverified_visits >= {{ var('visit_high_cases') }} then 'high' else 'medium' end as severity,
    cadre_id || ' claimed field visits on ' || cast(unverified_visits as {{ dbt.type_string() }}) || ' of '
    || cast(judged_visits as {{ dbt.type_string() }}) || ' cases (' || cast(unverified_days as {{ dbt.type_string() }}) || ' day(s) between '
    || cast(cast(first_seen as date) as {{ dbt.type_string() }}) || ' and ' || cast(cast(last_seen as date) as {{ dbt.type_string() }})
    || ') with no check-in of theirs within ' || cast({{ var('visit_radius_km') }} as {{ dbt.type_string() }})
    || ' km of the case while it was open (closest ' || {{ rounded_text('closest_km', 1) }}
    || ' km), though they checked in elsewhere on those days; among other cadres '
    || {{ rounded_text('100.0 * peer_unverified_share', 1) }} || '% of claimed visits lack a check-in' as evidence,
    'unverified_field_visit' as evidence_key
from unverified_per_cadre
