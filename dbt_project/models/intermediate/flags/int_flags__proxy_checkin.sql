-- proxy_checkin: one phone punched in for two cadres minutes apart, on several
-- days. The cadre flagged is the one who is NOT the phone's usual owner: their
-- attendance was recorded by someone else's phone (the owner's own punch is real).
--
-- Honest look-alikes that stay silent:
--   * colleagues punching within a minute on their own phones (different devices);
--   * a phone borrowed once (flat battery): fewer than proxy_min_days days;
--   * a phone whose usual owner cannot be told (two cadres use it equally):
--     nobody can say whose record is padded, so no flag;
--   * a household phone: the second cadre also uses it for apps
--     (proxy_household_min_logins logins or more), so the punches on it are
--     their own.

with punches as (
    select
        checkin_id,
        cadre_id,
        device_id,
        kind,
        checkin_at,
        cast(checkin_at as date) as punch_day
    from {{ ref('stg_checkins') }}
    where
        device_id is not null
        and kind in ('{{ var("proxy_punch_kinds") | join("', '") }}')
),

-- Every trace a device left, from check-ins and app logins: who uses this phone.
device_events as (
    select device_id, cadre_id, 'checkin' as event_kind from {{ ref('stg_checkins') }} where device_id is not null
    union all
    select device_id, cadre_id, 'login' as event_kind from {{ ref('stg_app_logins') }} where device_id is not null
),

-- A cadre who also uses the phone for apps shares it (a household phone):
-- their punches on it are their own, not someone else punching for them.
household_users as (
    select device_id, cadre_id
    from device_events
    where event_kind = 'login'
    group by device_id, cadre_id
    having count(*) >= {{ var('proxy_household_min_logins') }}
),

device_usage as (
    select
        device_id,
        cadre_id,
        count(*) as events,
        row_number() over (partition by device_id order by count(*) desc, cadre_id) as usage_rank
    from device_events
    group by device_id, cadre_id
),

-- The usual owner: the cadre with strictly the most events on the device.
device_owner as (
    select
        top_user.device_id,
        top_user.cadre_id as owner_id,
        top_user.events as owner_events
    from device_usage as top_user
    left join device_usage as runner_up
        on
            runner_up.device_id = top_user.device_id
            and runner_up.usage_rank = 2
    where
        top_user.usage_rank = 1
        and (runner_up.events is null or runner_up.events < top_user.events)
),

-- A punch for a non-owner, next to a punch of the same kind for another cadre
-- on the same phone, the same day, at most proxy_max_gap_minutes apart.
proxy_pairs as (
    select
        proxied.device_id,
        owner.owner_id,
        proxied.cadre_id as proxied_id,
        proxied.punch_day,
        proxied.kind,
        other.cadre_id as other_id,
        other.checkin_at as other_at,
        proxied.checkin_at as proxied_at,
        abs({{ dbt.datediff('other.checkin_at', 'proxied.checkin_at', 'second') }}) as gap_seconds
    from punches as proxied
    inner join device_owner as owner
        on
            owner.device_id = proxied.device_id
            and owner.owner_id <> proxied.cadre_id
    left join household_users as household
        on
            household.device_id = proxied.device_id
            and household.cadre_id = proxied.cadre_id
    inner join punches as other
        on
            other.device_id = proxied.device_id
            and other.punch_day = proxied.punch_day
            and other.kind = proxied.kind
            and other.cadre_id <> proxied.cadre_id
    where
        abs({{ dbt.datediff('other.checkin_at', 'proxied.checkin_at', 'second') }})
        <= {{ var('proxy_max_gap_minutes') }} * 60
        and household.cadre_id is null
),

-- The closest pair of each day is that day's evidence.
daily_evidence as (
    select *
    from (
        select
            proxy_pairs.*,
            row_number() over (
                partition by device_id, proxied_id, punch_day
                order by gap_seconds, proxied_at, other_id
            ) as pair_rank
        from proxy_pairs
    ) as ranked
    where pair_rank = 1
),

per_proxied_cadre as (
    select
        device_id,
        owner_id,
        proxied_id,
        count(*) as proxy_days,
        min(least(other_at, proxied_at)) as first_seen,
        max(greatest(other_at, proxied_at)) as last_seen,
        min(gap_seconds) as min_gap_seconds,
        max(gap_seconds) as max_gap_seconds
    from daily_evidence
    group by device_id, owner_id, proxied_id
),

-- The first day's pair, quoted in the sentence as the example.
first_example as (
    select *
    from (
        select
            daily_evidence.*,
            row_number() over (partition by device_id, proxied_id order by punch_day) as day_rank
        from daily_evidence
    ) as ranked
    where day_rank = 1
)

select
    'proxy_checkin' as flag_code,
    flagged.proxied_id as cadre_id,
    flagged.device_id as subject_id,
    flagged.first_seen,
    flagged.last_seen,
    case when flagged.proxy_days >= {{ var('proxy_high_days') }} then 'high' else 'medium' end as severity,
    'phone ' || flagged.device_id || ' (usually ' || flagged.owner_id || '''s) ' || case when example.kind = 'punch_out' then 'punched out' else 'punched in' end
    || ' for ' || example.other_id || ' at ' || substring(cast(example.other_at as {{ dbt.type_string() }}), 12, 8)
    || ' and for ' || flagged.proxied_id || ' at ' || substring(cast(example.proxied_at as {{ dbt.type_string() }}), 12, 8)
    || ' on ' || cast(example.punch_day as {{ dbt.type_string() }}) || ', '
    || {{ format_duration('example.gap_seconds') }} || ' apart; same pattern on '
    || cast(flagged.proxy_days as {{ dbt.type_string() }}) || ' days up to ' || cast(cast(flagged.last_seen as date) as {{ dbt.type_string() }})
    || ' (gaps ' || {{ format_duration('flagged.min_gap_seconds') }} || ' to '
    || {{ format_duration('flagged.max_gap_seconds') }} || ')' as evidence,
    flagged.device_id as evidence_key
from per_proxied_cadre as flagged
inner join first_example as example
    on
        example.device_id = flagged.device_id
        and example.proxied_id = flagged.proxied_id
where flagged.proxy_days >= {{ var('proxy_min_days') }}
