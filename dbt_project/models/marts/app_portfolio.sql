-- The app portfolio audit: how each app is used, which apps overlap, and
-- which only collect traces.
with logins as (
    select
        app_id,
        cadre_id,
        actions,
        login_at,
        case when logout_at is not null then {{ seconds_between('login_at', 'logout_at') }} end as session_seconds
    from {{ ref('stg_app_logins') }}
),

weeks_covered as (
    -- Weeks between the first and the last login day, at least one.
    select greatest(({{ dbt.datediff('min(cast(login_at as date))', 'max(cast(login_at as date))', 'day') }} + 1) / 7.0, 1.0) as weeks
    from logins
),

cadres_using_any_app as (
    select count(distinct cadre_id) as cadres from logins
),

usage as (
    select
        app_id,
        count(*) as login_count,
        count(distinct cadre_id) as active_cadres,
        median(session_seconds) as median_session_seconds,
        -- doubles, so the share is a double on both engines (Spark averages decimals as a decimal)
        avg(case when actions = 0 then cast(1 as double) when actions > 0 then cast(0 as double) end) as trace_only_share
    from logins
    group by app_id
),

apps as (
    select
        apps.app_id,
        apps.app_name,
        apps.function_category,
        apps.mandatory,
        coalesce(usage.login_count, 0) as login_count,
        coalesce(usage.active_cadres, 0) as active_cadres,
        usage.median_session_seconds,
        usage.trace_only_share
    from {{ ref('stg_apps') }} as apps
    left join usage on apps.app_id = usage.app_id
),

category_overlaps as (
    select
        apps.app_id,
        {{ sorted_string_agg('other.app_id', "', '") }} as overlapping_apps,
        count(other.app_id) as overlapping_app_count,
        -- Another app of the same category is used more: this one could merge into it.
        max(case when other.login_count > apps.login_count then 1 else 0 end) = 1 as overlapped_by_busier_app
    from apps
    left join apps as other
        on apps.function_category = other.function_category and apps.app_id <> other.app_id
    group by apps.app_id
)

select
    apps.app_id,
    apps.app_name,
    apps.function_category,
    apps.active_cadres,
    {{ rounded_double('apps.login_count / nullif(apps.active_cadres, 0) / weeks_covered.weeks', 2) }} as logins_per_active_cadre_per_week,
    apps.median_session_seconds,
    {{ rounded_double('apps.trace_only_share', 4) }} as trace_only_share,
    category_overlaps.overlapping_apps,
    category_overlaps.overlapping_app_count,
    apps.mandatory,
    case
        when apps.trace_only_share >= {{ var('retire_trace_only_share') }} then 'retire'
        when apps.active_cadres < {{ var('retire_min_active_share') }} * cadres_using_any_app.cadres then 'retire'
        when category_overlaps.overlapped_by_busier_app then 'merge'
        else 'keep'
    end as verdict
from apps
inner join category_overlaps on apps.app_id = category_overlaps.app_id
cross join weeks_covered
cross join cadres_using_any_app
