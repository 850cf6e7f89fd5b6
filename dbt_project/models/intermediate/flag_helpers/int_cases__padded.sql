-- One row per case judged padded ("a case flagged as padded is not a result"):
--   * closure in bulk (int_cases__instant_closures.is_bulk_closure): resolved
--     within seconds of opening, many on one day, or within minutes, a few a
--     day on several days;
--   * unverified field visit: a claimed visit with no check-in of the cadre
--     near the case, for a cadre whose record of unverified visits is flagged
--     (int_cases__visit_record).
-- A case caught by both rules keeps both reasons.

with bulk_instant_closures as (
    select
        case_id,
        cadre_id,
        'resolved ' || cast(seconds_to_close as {{ dbt.type_string() }}) || ' s after opening, one of '
        || cast(quick_closures_that_day as {{ dbt.type_string() }}) || ' cases of the cadre resolved within '
        || cast({{ var('quick_max_seconds') }} as {{ dbt.type_string() }}) || ' s on '
        || cast(opened_day as {{ dbt.type_string() }}) as reason
    from {{ ref('int_cases__instant_closures') }}
    where is_bulk_closure
),

visit_record as (
    select cadre_id, flagged_unverified_visits
    from {{ ref('int_cases__visit_record') }}
),

unverified_field_visits as (
    select
        checks.case_id,
        checks.cadre_id,
        'field visit claimed, but the nearest of the cadre''s ' || cast(checks.checkins_in_window as {{ dbt.type_string() }})
        || ' check-ins from ' || cast(checks.window_start_day as {{ dbt.type_string() }}) || ' to '
        || cast(checks.window_end_day as {{ dbt.type_string() }}) || ' is '
        || {{ rounded_text('checks.nearest_checkin_km', 1) }} || ' km from the case (limit '
        || cast({{ var('visit_radius_km') }} as {{ dbt.type_string() }}) || ' km)' as reason
    from {{ ref('int_cases__field_visit_checks') }} as checks
    inner join visit_record
        on visit_record.cadre_id = checks.cadre_id
    where
        not checks.is_verified
        and visit_record.flagged_unverified_visits
),

padded as (
    select case_id, cadre_id, reason from bulk_instant_closures
    union all
    select case_id, cadre_id, reason from unverified_field_visits
)

select
    case_id,
    cadre_id,
    {{ sorted_string_agg('reason', "'; '") }} as reason
from padded
group by case_id, cadre_id
