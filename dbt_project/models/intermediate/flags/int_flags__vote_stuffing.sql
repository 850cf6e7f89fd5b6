-- vote_stuffing: a burst of votes for one target from one device. The cadre
-- flagged is the target, who benefits (warehouse contract).
--
-- A burst: at least stuffing_min_votes votes (stuffing_actions) for the same
-- target in the same campaign from one device within stuffing_window_minutes,
-- and the target takes at least stuffing_min_share of everything that device
-- cast in that window.
--
-- Honest look-alikes that stay silent:
--   * office NAT: a whole unit behind one IP. IPs are never used here; only the
--     device id ties votes together;
--   * a shared kiosk or village tablet where residents vote one after another:
--     its votes spread over many targets, so no target takes the share;
--   * a fan voting once per campaign from their phone: far below the count.

with votes as (
    select
        vote_id,
        campaign_id,
        voter_id,
        target_id,
        voted_at,
        device_id
    from {{ ref('stg_votes') }}
    where device_id is not null
      and action in ('{{ var("stuffing_actions") | join("', '") }}')
),

-- Every vote opens a window on its device and campaign; the window holds the
-- device's votes from that moment to stuffing_window_minutes later.
device_windows as (
    select
        opener.vote_id as opener_vote_id,
        opener.campaign_id,
        opener.device_id,
        opener.voted_at as window_start,
        inside.vote_id,
        inside.voter_id,
        inside.target_id,
        inside.voted_at
    from votes as opener
    inner join votes as inside
        on inside.device_id = opener.device_id
       and inside.campaign_id = opener.campaign_id
       and inside.voted_at >= opener.voted_at
       and inside.voted_at < {{ dbt.dateadd('minute', var('stuffing_window_minutes'), 'opener.voted_at') }}
),

window_totals as (
    select opener_vote_id, count(*) as window_votes
    from device_windows
    group by opener_vote_id
),

window_targets as (
    select
        device_windows.opener_vote_id,
        device_windows.campaign_id,
        device_windows.device_id,
        device_windows.target_id,
        count(*) as target_votes,
        count(distinct device_windows.voter_id) as voter_accounts,
        min(device_windows.voted_at) as burst_start,
        max(device_windows.voted_at) as burst_end,
        window_totals.window_votes
    from device_windows
    inner join window_totals
        on window_totals.opener_vote_id = device_windows.opener_vote_id
    group by
        device_windows.opener_vote_id,
        device_windows.campaign_id,
        device_windows.device_id,
        device_windows.target_id,
        window_totals.window_votes
),

bursts as (
    select *
    from window_targets
    where target_votes >= {{ var('stuffing_min_votes') }}
      and target_votes >= {{ var('stuffing_min_share') }} * window_votes
),

-- All votes for the target that fall inside any of its bursts (counted once).
burst_votes as (
    select distinct
        bursts.campaign_id,
        bursts.target_id,
        bursts.device_id,
        device_windows.vote_id,
        device_windows.voted_at
    from bursts
    inner join device_windows
        on device_windows.opener_vote_id = bursts.opener_vote_id
       and device_windows.target_id = bursts.target_id
),

per_target as (
    select
        campaign_id,
        target_id,
        count(distinct device_id) as devices,
        count(distinct vote_id) as votes_in_bursts,
        min(voted_at) as first_seen,
        max(voted_at) as last_seen
    from burst_votes
    group by campaign_id, target_id
),

-- The biggest single burst is quoted in the sentence.
biggest_burst as (
    select *
    from (
        select
            bursts.*,
            row_number() over (
                partition by campaign_id, target_id
                order by target_votes desc, burst_start, device_id
            ) as burst_rank
        from bursts
    ) as ranked
    where burst_rank = 1
)

select
    'vote_stuffing' as flag_code,
    per_target.target_id as cadre_id,
    per_target.campaign_id as subject_id,
    per_target.first_seen,
    per_target.last_seen,
    case
        when biggest.target_votes >= {{ var('stuffing_high_votes') }} or per_target.devices > 1 then 'high'
        else 'medium'
    end as severity,
    'device ' || biggest.device_id || ' cast ' || cast(biggest.target_votes as varchar) || ' votes for '
        || per_target.target_id || ' in campaign ' || per_target.campaign_id || ' within '
        || {{ format_duration(dbt.datediff('biggest.burst_start', 'biggest.burst_end', 'second')) }}
        || ' (' || {{ format_timestamp('biggest.burst_start') }} || ' to '
        || substring(cast(biggest.burst_end as varchar), 12, 8) || ') from '
        || cast(biggest.voter_accounts as varchar) || ' account(s), '
        || cast(biggest.target_votes as varchar) || ' of the ' || cast(biggest.window_votes as varchar)
        || ' votes it cast in that window; ' || cast(per_target.votes_in_bursts as varchar)
        || ' burst votes from ' || cast(per_target.devices as varchar) || ' device(s) in this campaign' as evidence,
    per_target.campaign_id as evidence_key
from per_target
inner join biggest_burst as biggest
    on biggest.campaign_id = per_target.campaign_id
   and biggest.target_id = per_target.target_id
