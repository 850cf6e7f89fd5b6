-- vote_stuffing: a burst of votes for one target from one device or a few,
-- cast by throwaway accounts. The cadre flagged is the target, who benefits
-- (warehouse contract).
--
-- Measured in accounts per target per window, across devices:
--
-- 1. throwaway account: a voter_id that is not a cadre and acted for at most
--    stuffing_throwaway_max_targets target(s) in the whole source (in any
--    number of campaigns: a single-purpose account may be reused).
-- 2. window: every throwaway vote for a target opens a window of each length
--    in stuffing_window_minutes (a scan at several scales: a quick burst and
--    one stretched over hours) on that (campaign, target).
-- 3. devoted device: a device that gave the target at least stuffing_min_share
--    of everything it cast in the campaign in that window (a village kiosk
--    spreads its votes over many targets and is not devoted).
-- 4. burst: the throwaway accounts that voted for the target from devoted
--    devices in the window. Flag when
--      * accounts >= stuffing_min_accounts,
--      * accounts >= stuffing_min_accounts_per_device x devices (several
--        accounts per phone, more than a family shares one), and
--      * the Poisson tail P(X >= accounts | mu) is at most
--        stuffing_family_alpha / (windows tested), where mu is what the
--        target's own rate of throwaway accounts (outside the window) and the
--        campaign's per-target rate, whichever is higher, put in a window at
--        stuffing_peak_factor times the average rate (Bonferroni over the
--        disjoint windows of every target's campaign, at every scale).
--
-- Cost: windows join a target's own throwaway votes within the window (blocked
-- by campaign, target and time); device totals join the window's devices'
-- votes within the window (blocked by campaign, device and time).
--
-- Honest look-alikes that stay silent: office NAT (IPs are never used; cadres
-- are not throwaway accounts); a village kiosk for many targets (not devoted);
-- residents each voting once on their own phone, or a family phone (one to
-- three accounts per device); a popular cadre whose real voters are spread in
-- time (its own rate is the base rate).

with voters as (
    select
        votes.voter_id,
        count(distinct votes.target_id) as targets_acted_for
    from {{ ref('stg_votes') }} as votes
    left join {{ ref('stg_cadres') }} as cadres
        on cadres.cadre_id = votes.voter_id
    where cadres.cadre_id is null
    group by votes.voter_id
),

throwaway_votes as (
    select
        votes.vote_id,
        votes.campaign_id,
        votes.target_id,
        votes.voter_id,
        votes.device_id,
        votes.voted_at
    from {{ ref('stg_votes') }} as votes
    inner join voters
        on voters.voter_id = votes.voter_id
    where
        voters.targets_acted_for <= {{ var('stuffing_throwaway_max_targets') }}
        and votes.device_id is not null
),

-- Campaign length (minutes, from its first to its last vote) and its
-- per-target rate of throwaway accounts.
campaign_span as (
    select
        campaign_id,
        greatest(
            {{ datediff_boundaries('min(voted_at)', 'max(voted_at)', 'minute') }},
            {{ var('stuffing_window_minutes') | max }}
        ) as span_minutes
    from {{ ref('stg_votes') }}
    group by campaign_id
),

target_totals as (
    select campaign_id, target_id, count(distinct voter_id) as target_accounts
    from throwaway_votes
    group by campaign_id, target_id
),

campaign_rates as (
    select
        totals.campaign_id,
        span.span_minutes,
        sum(totals.target_accounts) * 1.0 / count(*) / span.span_minutes as per_target_rate,
        -- disjoint windows of all targets with throwaway votes: the tests made
        count(*) * (
            {%- for minutes in var('stuffing_window_minutes') %}
                span.span_minutes * 1.0 / {{ minutes }}{% if not loop.last %} +{% endif %}
            {%- endfor %}
        ) as windows
    from target_totals as totals
    inner join campaign_span as span
        on span.campaign_id = totals.campaign_id
    group by totals.campaign_id, span.span_minutes
),

windows_tested as (
    select sum(windows) as windows_tested from campaign_rates
),

-- Every throwaway vote opens a window of each length on its (campaign, target).
windows as (
    {%- for minutes in var('stuffing_window_minutes') %}
        select
            opener.vote_id || ':{{ minutes }}' as window_id,
            {{ minutes }} as window_minutes,
            opener.campaign_id,
            opener.target_id,
            opener.voted_at as window_start,
            {{ timestamp_add('minute', minutes, 'opener.voted_at') }} as window_end,
            inside.vote_id,
            inside.voter_id,
            inside.device_id,
            inside.voted_at
        from throwaway_votes as opener
        inner join throwaway_votes as inside
            on
                inside.campaign_id = opener.campaign_id
                and inside.target_id = opener.target_id
                and inside.voted_at >= opener.voted_at
                and inside.voted_at < {{ timestamp_add('minute', minutes, 'opener.voted_at') }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- What each device in a window cast in the campaign during that window.
window_devices as (
    select distinct window_id, campaign_id, target_id, window_start, window_end, device_id
    from windows
),

device_share as (
    select
        window_devices.window_id,
        window_devices.device_id,
        count(*) as device_votes,
        sum(case when cast_votes.target_id = window_devices.target_id then 1 else 0 end) as device_target_votes
    from window_devices
    inner join {{ ref('stg_votes') }} as cast_votes
        on
            cast_votes.campaign_id = window_devices.campaign_id
            and cast_votes.device_id = window_devices.device_id
            and cast_votes.voted_at >= window_devices.window_start
            and cast_votes.voted_at < window_devices.window_end
    group by window_devices.window_id, window_devices.device_id
),

devoted_devices as (
    select *
    from device_share
    where device_target_votes >= {{ var('stuffing_min_share') }} * device_votes
),

window_stats as (
    select
        windows.window_id,
        windows.window_minutes,
        windows.campaign_id,
        windows.target_id,
        count(distinct windows.voter_id) as accounts,
        count(distinct windows.device_id) as devices,
        count(*) as burst_votes,
        min(windows.voted_at) as burst_start,
        max(windows.voted_at) as burst_end
    from windows
    inner join devoted_devices
        on
            devoted_devices.window_id = windows.window_id
            and devoted_devices.device_id = windows.device_id
    group by windows.window_id, windows.window_minutes, windows.campaign_id, windows.target_id
),

window_all_accounts as (
    select window_id, count(distinct voter_id) as window_accounts
    from windows
    group by window_id
),

window_device_totals as (
    select
        window_id,
        sum(device_votes) as device_votes,
        sum(device_target_votes) as device_target_votes
    from devoted_devices
    group by window_id
),

scored as (
    select
        stats.*,
        totals.target_accounts,
        device_totals.device_votes,
        device_totals.device_target_votes,
        windows_tested.windows_tested,
        stats.window_minutes * {{ var('stuffing_peak_factor') }} * greatest(
            (totals.target_accounts - all_accounts.window_accounts) * 1.0 / rates.span_minutes,
            rates.per_target_rate
        ) as expected_accounts
    from window_stats as stats
    inner join window_all_accounts as all_accounts
        on all_accounts.window_id = stats.window_id
    inner join window_device_totals as device_totals
        on device_totals.window_id = stats.window_id
    inner join target_totals as totals
        on
            totals.campaign_id = stats.campaign_id
            and totals.target_id = stats.target_id
    inner join campaign_rates as rates
        on rates.campaign_id = stats.campaign_id
    cross join windows_tested
    where
        stats.accounts >= {{ var('stuffing_min_accounts') }}
        and stats.accounts >= {{ var('stuffing_min_accounts_per_device') }} * stats.devices
),

bursts as (
    select
        scored.*,
        {{ log10_poisson_tail('accounts', 'expected_accounts') }} as log10_chance
    from scored
    where
        {{ log10_poisson_tail('accounts', 'expected_accounts') }}
        <= log10({{ var('stuffing_family_alpha') }} / windows_tested)
),

-- The devices of each burst, for the sentence.
burst_devices as (
    select
        bursts.window_id,
        {{ sorted_string_agg('devoted_devices.device_id', "', '") }} as device_list
    from bursts
    inner join devoted_devices
        on devoted_devices.window_id = bursts.window_id
    group by bursts.window_id
),

per_target as (
    select
        campaign_id,
        target_id,
        min(burst_start) as first_seen,
        max(burst_end) as last_seen,
        count(*) as burst_windows
    from bursts
    group by campaign_id, target_id
),

-- The biggest burst is quoted in the sentence.
biggest_burst as (
    select *
    from (
        select
            bursts.*,
            row_number() over (
                partition by campaign_id, target_id
                order by accounts desc, burst_start, window_id
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
        when biggest.accounts >= {{ var('stuffing_high_accounts') }} or biggest.devices > 1 then 'high'
        else 'medium'
    end as severity,
    case when biggest.devices = 1 then 'device ' else 'devices ' end || devices.device_list
    || ' cast ' || cast(biggest.burst_votes as {{ dbt.type_string() }}) || ' votes for '
    || per_target.target_id || ' in campaign ' || per_target.campaign_id || ' within '
    || {{ format_duration(dbt.datediff('biggest.burst_start', 'biggest.burst_end', 'second')) }}
    || ' (' || {{ format_timestamp('biggest.burst_start') }} || ' to '
    || substring(cast(biggest.burst_end as {{ dbt.type_string() }}), 12, 8) || ') from '
    || cast(biggest.accounts as {{ dbt.type_string() }}) || ' account(s), '
    || cast(biggest.device_target_votes as {{ dbt.type_string() }}) || ' of the '
    || cast(biggest.device_votes as {{ dbt.type_string() }})
    || ' votes ' || case when biggest.devices = 1 then 'it' else 'they' end || ' cast in that window; '
    || 'throwaway accounts (no other activity) for ' || per_target.target_id || ' in this campaign: '
    || cast(biggest.target_accounts as {{ dbt.type_string() }}) || ' in all, where its own rate and the campaign''s predict about '
    || {{ rounded_text('biggest.expected_accounts', 2) }} || ' in '
    || cast(biggest.window_minutes as {{ dbt.type_string() }})
    || ' min at peak (chance at most 1e'
    || cast(cast(ceil(biggest.log10_chance) as integer) as {{ dbt.type_string() }}) || ')' as evidence,
    per_target.campaign_id as evidence_key
from per_target
inner join biggest_burst as biggest
    on
        biggest.campaign_id = per_target.campaign_id
        and biggest.target_id = per_target.target_id
inner join burst_devices as devices
    on devices.window_id = biggest.window_id
