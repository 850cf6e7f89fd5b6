-- vote_ring: a closed group of cadres voting for each other far above the base
-- rate. Every member of the group is flagged.
--
-- 1. closed group: a trio of cadres in which every member voted for both others
--    in the same campaign ("closed" in that campaign). Larger rings are found
--    as overlapping closed trios (a ring of 4 holds 4 of them) and reported
--    once per member with all co-members.
-- 2. several campaigns: the trio is closed in >= ring_min_campaigns campaigns.
-- 3. base rate: what the members' own voting habits predict. In a campaign a
--    voter chose k cadres out of the pool his unit voted for (n, himself
--    excluded); picking at random, he votes for two given colleagues with
--    probability k(k-1) / (n(n-1)); the trio closes with the product of the
--    three. Campaigns where that chance is ring_max_chance_per_campaign or more
--    (everyone rates everyone) prove nothing and are left out; over the rest,
--    the sum of the chances is the expected number of closed campaigns, and the
--    observed number must reach ring_min_lift times it.
--
-- Honest look-alikes that stay silent: a campaign where everyone rates every
-- colleague (the prediction is then ~1 per campaign), a tiny unit whose few
-- members must vote for each other, office NAT (IPs are not used).

with cadre_votes as (
    select
        votes.campaign_id,
        votes.voter_id,
        voters.unit_id as voter_unit_id,
        votes.target_id,
        min(votes.voted_at) as first_voted_at,
        max(votes.voted_at) as last_voted_at
    from {{ ref('stg_votes') }} as votes
    inner join {{ ref('stg_cadres') }} as voters
        on voters.cadre_id = votes.voter_id
    where votes.action in ('{{ var("ring_actions") | join("', '") }}')
      and votes.voter_id <> votes.target_id
    group by votes.campaign_id, votes.voter_id, voters.unit_id, votes.target_id
),

-- The cadres a unit's voters chose from in a campaign (everyone they voted for).
unit_pool as (
    select campaign_id, voter_unit_id, target_id
    from cadre_votes
    group by campaign_id, voter_unit_id, target_id
),

unit_pool_size as (
    select campaign_id, voter_unit_id, count(*) as pool_size
    from unit_pool
    group by campaign_id, voter_unit_id
),

-- Each voter's chance of voting for two given colleagues in a campaign.
voter_choice_rate as (
    select
        choices.campaign_id,
        choices.voter_id,
        choices.chosen,
        pool.pool_size - case when self_in_pool.target_id is null then 0 else 1 end as pool_without_self
    from (
        select campaign_id, voter_id, voter_unit_id, count(*) as chosen
        from cadre_votes
        group by campaign_id, voter_id, voter_unit_id
    ) as choices
    inner join unit_pool_size as pool
        on pool.campaign_id = choices.campaign_id
       and pool.voter_unit_id = choices.voter_unit_id
    left join unit_pool as self_in_pool
        on self_in_pool.campaign_id = choices.campaign_id
       and self_in_pool.voter_unit_id = choices.voter_unit_id
       and self_in_pool.target_id = choices.voter_id
),

voter_pair_probability as (
    select
        campaign_id,
        voter_id,
        case
            when pool_without_self < 2 or chosen >= pool_without_self then 1.0
            else (chosen * (chosen - 1.0)) / (pool_without_self * (pool_without_self - 1.0))
        end as p_votes_for_given_two
    from voter_choice_rate
),

-- Pairs who voted for each other in a campaign (cadre_a < cadre_b).
mutual_pairs as (
    select
        forward.campaign_id,
        forward.voter_id as cadre_a,
        forward.target_id as cadre_b,
        least(forward.first_voted_at, backward.first_voted_at) as first_voted_at,
        greatest(forward.last_voted_at, backward.last_voted_at) as last_voted_at
    from cadre_votes as forward
    inner join cadre_votes as backward
        on backward.campaign_id = forward.campaign_id
       and backward.voter_id = forward.target_id
       and backward.target_id = forward.voter_id
    where forward.voter_id < forward.target_id
),

-- Trios closed in a campaign: all three pairs mutual.
closed_trios as (
    select
        ab.campaign_id,
        ab.cadre_a,
        ab.cadre_b,
        bc.cadre_b as cadre_c,
        least(ab.first_voted_at, bc.first_voted_at, ac.first_voted_at) as first_voted_at,
        greatest(ab.last_voted_at, bc.last_voted_at, ac.last_voted_at) as last_voted_at
    from mutual_pairs as ab
    inner join mutual_pairs as bc
        on bc.campaign_id = ab.campaign_id
       and bc.cadre_a = ab.cadre_b
    inner join mutual_pairs as ac
        on ac.campaign_id = ab.campaign_id
       and ac.cadre_a = ab.cadre_a
       and ac.cadre_b = bc.cadre_b
),

-- Candidate trios: closed in enough campaigns at all.
candidate_trios as (
    select cadre_a, cadre_b, cadre_c
    from closed_trios
    group by cadre_a, cadre_b, cadre_c
    having count(distinct campaign_id) >= {{ var('ring_min_campaigns') }}
),

-- For every campaign all three voted in: the chance that the trio closes
-- there by the members' own voting rates, and whether it did.
trio_campaigns as (
    select
        trio.cadre_a,
        trio.cadre_b,
        trio.cadre_c,
        pa.campaign_id,
        pa.p_votes_for_given_two * pb.p_votes_for_given_two * pc.p_votes_for_given_two as chance_closed,
        closed.campaign_id is not null as is_closed,
        closed.first_voted_at,
        closed.last_voted_at
    from candidate_trios as trio
    inner join voter_pair_probability as pa
        on pa.voter_id = trio.cadre_a
    inner join voter_pair_probability as pb
        on pb.voter_id = trio.cadre_b
       and pb.campaign_id = pa.campaign_id
    inner join voter_pair_probability as pc
        on pc.voter_id = trio.cadre_c
       and pc.campaign_id = pa.campaign_id
    left join closed_trios as closed
        on closed.cadre_a = trio.cadre_a
       and closed.cadre_b = trio.cadre_b
       and closed.cadre_c = trio.cadre_c
       and closed.campaign_id = pa.campaign_id
),

-- Only campaigns where closing was unlikely carry evidence: where everyone
-- votes for everyone (chance near 1) a closed trio proves nothing.
trio_evidence as (
    select
        cadre_a,
        cadre_b,
        cadre_c,
        sum(case when is_closed then 1 else 0 end) as closed_campaigns,
        sum(chance_closed) as expected_closed,
        min(first_voted_at) as first_seen,
        max(last_voted_at) as last_seen
    from trio_campaigns
    where chance_closed < {{ var('ring_max_chance_per_campaign') }}
    group by cadre_a, cadre_b, cadre_c
),

ring_trios as (
    select *
    from trio_evidence
    where closed_campaigns >= {{ var('ring_min_campaigns') }}
      and closed_campaigns >= {{ var('ring_min_lift') }} * expected_closed
),

-- Each member of a ring trio, with the trio's other two members.
trio_members as (
    select cadre_a as cadre_id, cadre_a as member_id, ring_trios.* from ring_trios
    union all select cadre_a, cadre_b, ring_trios.* from ring_trios
    union all select cadre_a, cadre_c, ring_trios.* from ring_trios
    union all select cadre_b, cadre_a, ring_trios.* from ring_trios
    union all select cadre_b, cadre_b, ring_trios.* from ring_trios
    union all select cadre_b, cadre_c, ring_trios.* from ring_trios
    union all select cadre_c, cadre_a, ring_trios.* from ring_trios
    union all select cadre_c, cadre_b, ring_trios.* from ring_trios
    union all select cadre_c, cadre_c, ring_trios.* from ring_trios
),

member_ring as (
    select
        cadre_id,
        {{ dbt.listagg('distinct member_id', "', '", 'order by member_id') }} as ring_members,
        count(distinct member_id) as ring_size,
        max(expected_closed) as max_expected_closed,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen
    from trio_members
    group by cadre_id
),

-- The campaigns in which the member's ring trios were closed.
member_campaigns as (
    select
        members.cadre_id,
        count(distinct closed.campaign_id) as closed_campaigns,
        {{ dbt.listagg('distinct closed.campaign_id', "', '", 'order by closed.campaign_id') }} as campaigns
    from (select distinct cadre_id, cadre_a, cadre_b, cadre_c from trio_members) as members
    inner join trio_campaigns as closed
        on closed.cadre_a = members.cadre_a
       and closed.cadre_b = members.cadre_b
       and closed.cadre_c = members.cadre_c
       and closed.is_closed
       and closed.chance_closed < {{ var('ring_max_chance_per_campaign') }}
    group by members.cadre_id
)

select
    'vote_ring' as flag_code,
    member_ring.cadre_id,
    cast(null as varchar) as subject_id,
    member_ring.first_seen,
    member_ring.last_seen,
    case
        when member_campaigns.closed_campaigns >= {{ var('ring_high_campaigns') }} then 'high'
        else 'medium'
    end as severity,
    member_ring.cadre_id || ' belongs to a closed voting group of ' || cast(member_ring.ring_size as varchar)
        || ' cadres (' || member_ring.ring_members || '): within each of its trios every member voted for both others in '
        || cast(member_campaigns.closed_campaigns as varchar) || ' campaigns (' || member_campaigns.campaigns
        || '), where the members'' own voting rates predict at most '
        || cast(round(member_ring.max_expected_closed, 3) as varchar) || ' such campaigns' as evidence,
    member_ring.ring_members as evidence_key
from member_ring
inner join member_campaigns
    on member_campaigns.cadre_id = member_ring.cadre_id
