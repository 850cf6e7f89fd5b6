-- scripted_login: logins with no actions at one time of the day, day after
-- day, by one cadre in one app: a script keeping a login streak, not a person.
-- The script may be jittered by tens of seconds; a person kept to a mandated
-- time spreads over minutes.
--
-- Like RITA's beacon score (which measures the dispersion of the gaps between
-- connections), the test is on dispersion: of the time of day across days.
--   1. slot: for each trace-only login (actions = 0), the days on which the
--      same cadre had a trace-only login in the same app within
--      +-script_tolerance_seconds of its time of day; keep the biggest such
--      cluster per (cadre, app): the script's slot;
--   2. concentration: around the slot (+-script_neighbourhood_minutes), one
--      login per day (the closest), between the slot's first and last day, the
--      share of days that fall in the slot. A script fires in its slot every
--      day it runs (its jitter is bounded); a person who keeps a time to
--      minutes is late now and then;
--   3. dispersion: the median absolute deviation (MAD) of those logins' time
--      of day must be at most script_max_mad_seconds.
--
-- Apps whose login_at carries whole minutes only are skipped: without seconds
-- a scripted slot cannot be told from people logging in on time.
-- Times of day are compared on the clock face, so 23:59:59 and 00:00:01 are
-- 2 seconds apart.

with logins as (
    select
        login_id,
        cadre_id,
        app_id,
        login_at,
        actions,
        {{ second_of_day('login_at') }} as second_of_day
    from {{ ref('stg_app_logins') }}
),

app_timestamp_precision as (
    select
        app_id,
        avg(case when mod(second_of_day, 60) = 0 then 1.0 else 0.0 end) as whole_minute_share
    from logins
    group by app_id
),

trace_only_logins as (
    select
        logins.login_id,
        logins.cadre_id,
        logins.app_id,
        logins.login_at,
        cast(logins.login_at as date) as login_day,
        logins.second_of_day
    from logins
    inner join app_timestamp_precision as app_precision
        on app_precision.app_id = logins.app_id
    where
        logins.actions = 0
        and app_precision.whole_minute_share <= {{ var('script_minute_precision_share') }}
),

-- Each trace-only login on the clock face, and near midnight a copy a day
-- earlier or later on it (second_of_day + or - 86400), so that a time window
-- wraps round midnight: 23:59:59 and 00:00:01 are 2 seconds apart. Only the
-- originals are anchors.
clock_face as (
    select login_id, cadre_id, app_id, login_day, second_of_day as clock_second, true as is_anchor
    from trace_only_logins
    union all
    select login_id, cadre_id, app_id, login_day, second_of_day + 86400 as clock_second, false as is_anchor
    from trace_only_logins
    where second_of_day < {{ var('script_tolerance_seconds') }}
    union all
    select login_id, cadre_id, app_id, login_day, second_of_day - 86400 as clock_second, false as is_anchor
    from trace_only_logins
    where second_of_day >= 86400 - {{ var('script_tolerance_seconds') }}
),

-- For every login: the days on which the cadre logged into the app within
-- +-script_tolerance_seconds of its time of day. A window over the clock
-- face (a sort per cadre and app) instead of pairing the logins: a script's
-- logins all lie within seconds of each other, so pairs of them grow with
-- the square of the days it ran (5.6 M pairs at 3,000 cadres x 244 days).
same_second_days as (
    select
        login_id as anchor_login_id,
        cadre_id,
        app_id,
        clock_second as anchor_second,
        days_at_this_second,
        slot_first_day,
        slot_last_day
    from (
        select
            clock_face.*,
            {{ windowed_distinct_count('login_day', 'near_in_time') }} as days_at_this_second,
            min(login_day) over near_in_time as slot_first_day,
            max(login_day) over near_in_time as slot_last_day
        from clock_face
        window near_in_time as (
            partition by cadre_id, app_id
            order by clock_second
            range between {{ var('script_tolerance_seconds') }} preceding and {{ var('script_tolerance_seconds') }} following
        )
    ) as on_the_clock
    where is_anchor
),

biggest_cluster as (
    select *
    from (
        select
            same_second_days.*,
            row_number() over (
                partition by cadre_id, app_id
                order by days_at_this_second desc, anchor_second, anchor_login_id
            ) as cluster_rank
        from same_second_days
    ) as ranked
    where
        cluster_rank = 1
        and days_at_this_second >= {{ var('script_min_days') }}
),

-- Trace-only logins around the slot, as signed offsets (seconds) from it:
-- on each day only the login closest to the slot (a person's second login
-- that morning is not a second day).
neighbourhood as (
    select *
    from (
        select
            cluster.cadre_id,
            cluster.app_id,
            cluster.anchor_second,
            cluster.days_at_this_second,
            cluster.slot_first_day,
            cluster.slot_last_day,
            around.login_at,
            around.login_day,
            mod(around.second_of_day - cluster.anchor_second + 86400 + 43200, 86400) - 43200 as offset_seconds,
            row_number() over (
                partition by cluster.cadre_id, cluster.app_id, around.login_day
                order by
                    abs(mod(around.second_of_day - cluster.anchor_second + 86400 + 43200, 86400) - 43200),
                    around.login_at
            ) as closest_rank
        from biggest_cluster as cluster
        inner join trace_only_logins as around
            on
                around.cadre_id = cluster.cadre_id
                and around.app_id = cluster.app_id
                -- while the slot was in use: a script moved to a new slot starts a new period
                and around.login_day between cluster.slot_first_day and cluster.slot_last_day
    ) as ranked
    where closest_rank = 1
),

neighbourhood_median as (
    select
        cadre_id,
        app_id,
        percentile_cont(0.5) within group (order by offset_seconds) as median_offset
    from neighbourhood
    where abs(offset_seconds) <= {{ var('script_neighbourhood_minutes') }} * 60
    group by cadre_id, app_id
),

dispersion as (
    select
        neighbourhood.cadre_id,
        neighbourhood.app_id,
        neighbourhood.anchor_second,
        neighbourhood.days_at_this_second,
        -- the cluster's typical time of day, for the sentence
        mod(cast(round(neighbourhood.anchor_second + neighbourhood_median.median_offset, 0) as integer) + 86400, 86400)
            as typical_second,
        count(distinct neighbourhood.login_day) as days_in_neighbourhood,
        percentile_cont(0.5) within group (
            order by abs(neighbourhood.offset_seconds - neighbourhood_median.median_offset)
        ) as mad_seconds
    from neighbourhood
    inner join neighbourhood_median
        on
            neighbourhood_median.cadre_id = neighbourhood.cadre_id
            and neighbourhood_median.app_id = neighbourhood.app_id
    where abs(neighbourhood.offset_seconds) <= {{ var('script_neighbourhood_minutes') }} * 60
    group by
        neighbourhood.cadre_id,
        neighbourhood.app_id,
        neighbourhood.anchor_second,
        neighbourhood.days_at_this_second,
        neighbourhood_median.median_offset
),

-- The logins that make up the cluster, for first_seen / last_seen.
cluster_span as (
    select
        cadre_id,
        app_id,
        min(login_at) as first_seen,
        max(login_at) as last_seen,
        count(*) as cluster_logins
    from neighbourhood
    where abs(offset_seconds) <= {{ var('script_tolerance_seconds') }}
    group by cadre_id, app_id
)

select
    'scripted_login' as flag_code,
    dispersion.cadre_id,
    dispersion.app_id as subject_id,
    cluster_span.first_seen,
    cluster_span.last_seen,
    case when dispersion.days_at_this_second >= {{ var('script_high_days') }} then 'high' else 'medium' end as severity,
    dispersion.cadre_id || ' logged into ' || dispersion.app_id
    || coalesce(' (' || apps.app_name || ')', '') || ' with 0 actions at '
    || {{ format_second_of_day('dispersion.typical_second') }} || ' (+-'
    || cast({{ var('script_tolerance_seconds') }} as {{ dbt.type_string() }}) || ' s) on '
    || cast(dispersion.days_at_this_second as {{ dbt.type_string() }}) || ' of the '
    || cast(dispersion.days_in_neighbourhood as {{ dbt.type_string() }}) || ' days it logged in within '
    || cast({{ var('script_neighbourhood_minutes') }} as {{ dbt.type_string() }}) || ' min of that time, between '
    || cast(cast(cluster_span.first_seen as date) as {{ dbt.type_string() }}) || ' and '
    || cast(cast(cluster_span.last_seen as date) as {{ dbt.type_string() }})
    || '; the spread (MAD) of those login times is '
    || {{ rounded_text('dispersion.mad_seconds', 1) }}
    || ' s, where people kept to a set time spread over minutes' as evidence,
    dispersion.app_id as evidence_key
from dispersion
inner join cluster_span
    on
        cluster_span.cadre_id = dispersion.cadre_id
        and cluster_span.app_id = dispersion.app_id
left join {{ ref('stg_apps') }} as apps
    on apps.app_id = dispersion.app_id
where
    dispersion.mad_seconds <= {{ var('script_max_mad_seconds') }}
    and dispersion.days_at_this_second
    >= {{ var('script_min_concentration') }} * dispersion.days_in_neighbourhood
