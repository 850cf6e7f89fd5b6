-- Longer than 400 lines: the base rates, the trio enumeration and the two tail tests per trio are one test.
-- Every closed trio of cadres who voted for, liked or shared each other both
-- ways, with its two tests against the base rate and whether it is a ring
-- (is_ring): the statistics of int_flags__vote_ring, which turns the ring
-- trios into one flag per member. A model of its own, materialised once,
-- because the rule reads the trios several times: Spark inlines every
-- reference to a CTE, and the whole chain below inlined into each of the
-- rule's references made a plan that took minutes and ran the driver out of
-- memory.
--
-- The mutual-interaction graph, with a base rate:
--
-- 1. link: cadre a voted for, liked or shared cadre b in campaign c (any
--    number of actions; one link per campaign, voter and target, so a like
--    and a share of the same post are not two pieces of evidence).
-- 2. base rate of a link: a chose k_ac targets in c; his unit's other voters
--    spread their links over the targets they chose (the unit's pool); b's
--    share of those, w (add-one smoothed over the pool, a's own links left
--    out), is b's popularity where a votes. p(a->b, c) = min(1, k_ac * w).
--    A link with p >= ring_max_link_chance ("rate every colleague", a tiny
--    unit whose few members must pick each other) proves nothing and is left
--    out of both the observed and the expected counts.
-- 3. reciprocation: for a pair, r_ab = min(links a->b, links b->a) over all
--    campaigns (each direction in any campaign: evaders spread their links);
--    its expectation is at most min(E a->b, E b->a). One-way habits (always
--    picking the same two colleagues) do not reciprocate and add nothing.
-- 4. closed trio: three cadres every pair of whom reciprocated at least once.
--    R = the sum of r over its three pairs, mu = the sum of the expectations.
--    A ring when R >= ring_min_links, R >= ring_min_lift * mu and the Poisson
--    tail P(X >= R | mu) (an upper bound, macros/tail_bounds.sql) is at most
--    ring_family_alpha / (number of trios tested): a Bonferroni bound, so over
--    all the closed trios of a build the chance of any false ring stays below
--    ring_family_alpha if the base rate holds.
-- 5. the textbook form, as a second test of the same trio: campaigns in which
--    all six links exist at once, >= ring_min_closed_campaigns and
--    ring_min_lift times the sum over campaigns of the product of the six
--    link chances, with the same Poisson bound (Bonferroni over 2 tests per
--    trio). A ring that closes every week is far rarer by chance than its
--    returned links alone show.
--
-- Cost: links are grouped per (campaign, voter, target); the base rate joins a
-- candidate pair only to the campaigns its voter took part in; trios are
-- found by joining reciprocated pairs on a shared member (blocked by cadre),
-- never all pairs of cadres.

with links as (
    select
        votes.campaign_id,
        votes.voter_id,
        voters.unit_id as voter_unit_id,
        votes.target_id,
        count(*) as actions,
        min(votes.voted_at) as first_at,
        max(votes.voted_at) as last_at
    from {{ ref('stg_votes') }} as votes
    inner join {{ ref('stg_cadres') }} as voters
        on voters.cadre_id = votes.voter_id
    where votes.voter_id <> votes.target_id
    group by votes.campaign_id, votes.voter_id, voters.unit_id, votes.target_id
),

-- Each voter's activity in a campaign: how many targets he chose.
voter_activity as (
    select campaign_id, voter_id, voter_unit_id, count(*) as chosen
    from links
    group by campaign_id, voter_id, voter_unit_id
),

-- The pool of a unit's voters in a campaign: links and distinct targets.
unit_pool as (
    select campaign_id, voter_unit_id, count(*) as unit_links, count(distinct target_id) as pool_size
    from links
    group by campaign_id, voter_unit_id
),

unit_target as (
    select campaign_id, voter_unit_id, target_id, count(*) as target_links
    from links
    group by campaign_id, voter_unit_id, target_id
),

-- Base rate of one link a -> b in one campaign where a voted.
link_chance as (
    select
        activity.campaign_id,
        activity.voter_id,
        activity.chosen,
        -- links of a's unit to targets a could choose, a's own left out
        pool.unit_links - activity.chosen - coalesce(to_self.target_links, 0) as others_links,
        pool.pool_size - case when to_self.target_id is null then 0 else 1 end as pool_without_self,
        activity.voter_unit_id
    from voter_activity as activity
    inner join unit_pool as pool
        on
            pool.campaign_id = activity.campaign_id
            and pool.voter_unit_id = activity.voter_unit_id
    left join unit_target as to_self
        on
            to_self.campaign_id = activity.campaign_id
            and to_self.voter_unit_id = activity.voter_unit_id
            and to_self.target_id = activity.voter_id
),

directed_chance as (
    select
        chance.campaign_id,
        chance.voter_id,
        links.target_id,
        links.actions,
        links.first_at,
        links.last_at,
        least(
            1.0, chance.chosen * (coalesce(unit_target.target_links, 0) - 1 + 1.0)
            / greatest(chance.others_links + chance.pool_without_self, 1)
        ) as chance
    from links
    inner join link_chance as chance
        on
            chance.campaign_id = links.campaign_id
            and chance.voter_id = links.voter_id
    left join unit_target
        on
            unit_target.campaign_id = links.campaign_id
            and unit_target.voter_unit_id = links.voter_unit_id
            and unit_target.target_id = links.target_id
),

-- Links that carry evidence (unlikely by the base rate).
evidence_links as (
    select *
    from directed_chance
    where chance < {{ var('ring_max_link_chance') }}
),

-- Pairs who reached each other both ways (any campaigns), cadre_a < cadre_b.
reciprocated_pairs as (
    select
        case when forward.voter_id < forward.target_id then forward.voter_id else forward.target_id end as cadre_a,
        case when forward.voter_id < forward.target_id then forward.target_id else forward.voter_id end as cadre_b
    from (select distinct voter_id, target_id from evidence_links) as forward
    inner join (select distinct voter_id, target_id from evidence_links) as backward
        on
            backward.voter_id = forward.target_id
            and backward.target_id = forward.voter_id
    where forward.voter_id < forward.target_id
),

-- Both directions of each reciprocated pair, against every campaign its voter
-- took part in: observed links and their base rate.
pair_directions as (
    select cadre_a as voter_id, cadre_b as target_id, cadre_a, cadre_b from reciprocated_pairs
    union all
    select cadre_b as voter_id, cadre_a as target_id, cadre_a, cadre_b from reciprocated_pairs
),

direction_campaigns as (
    select
        directions.cadre_a,
        directions.cadre_b,
        directions.voter_id,
        chance.campaign_id,
        case when observed.voter_id is null then 0 else 1 end as linked,
        coalesce(observed.actions, 0) as actions,
        observed.first_at,
        observed.last_at,
        coalesce(
            observed.chance,
            least(
                1.0, chance.chosen * (coalesce(unit_target.target_links, 0) + 1.0)
                / greatest(chance.others_links + chance.pool_without_self, 1)
            )
        ) as chance
    from pair_directions as directions
    inner join link_chance as chance
        on chance.voter_id = directions.voter_id
    left join directed_chance as observed
        on
            observed.campaign_id = chance.campaign_id
            and observed.voter_id = directions.voter_id
            and observed.target_id = directions.target_id
    left join unit_target
        on
            unit_target.campaign_id = chance.campaign_id
            and unit_target.voter_unit_id = chance.voter_unit_id
            and unit_target.target_id = directions.target_id
),

pair_evidence as (
    select
        cadre_a,
        cadre_b,
        sum(case when voter_id = cadre_a then linked else 0 end) as links_ab,
        sum(case when voter_id = cadre_b then linked else 0 end) as links_ba,
        sum(case when voter_id = cadre_a then chance else 0 end) as expected_ab,
        sum(case when voter_id = cadre_b then chance else 0 end) as expected_ba,
        sum(actions) as actions,
        min(first_at) as first_seen,
        max(last_at) as last_seen
    from direction_campaigns
    where chance < {{ var('ring_max_link_chance') }}
    group by cadre_a, cadre_b
),

pair_scores as (
    select
        *,
        case when links_ab < links_ba then links_ab else links_ba end as reciprocated,
        case when expected_ab < expected_ba then expected_ab else expected_ba end as expected_reciprocated
    from pair_evidence
    where links_ab >= 1 and links_ba >= 1
),

-- Closed trios: all three pairs reciprocated (joined on the shared member).
trios as (
    select
        ab.cadre_a,
        ab.cadre_b,
        bc.cadre_b as cadre_c,
        ab.reciprocated + bc.reciprocated + ac.reciprocated as reciprocated,
        ab.expected_reciprocated + bc.expected_reciprocated + ac.expected_reciprocated as expected,
        ab.links_ab + ab.links_ba + bc.links_ab + bc.links_ba + ac.links_ab + ac.links_ba as links,
        ab.actions + bc.actions + ac.actions as actions,
        least(ab.first_seen, bc.first_seen, ac.first_seen) as first_seen,
        greatest(ab.last_seen, bc.last_seen, ac.last_seen) as last_seen
    from pair_scores as ab
    inner join pair_scores as bc
        on bc.cadre_a = ab.cadre_b
    inner join pair_scores as ac
        on
            ac.cadre_a = ab.cadre_a
            and ac.cadre_b = bc.cadre_b
),

-- The textbook form, tested too: campaigns in which all six links of the trio
-- exist at once ("closed"), against the chance of that by the base rate (the
-- product of the six link chances). Only campaigns all three took part in,
-- and where closing was unlikely (< ring_max_link_chance), carry evidence.
-- (The pairs and directions below are spelt as one cross join with a
-- few numbered rows, not as a union of copies: Spark expands every reference
-- to a CTE, and copies of copies grew its plan beyond memory.)
trio_pairs as (
    select
        trios.cadre_a,
        trios.cadre_b,
        trios.cadre_c,
        case pairs.pair when 2 then trios.cadre_b else trios.cadre_a end as pair_a,
        case pairs.pair when 1 then trios.cadre_b else trios.cadre_c end as pair_b
    from trios
    cross join (
        select 1 as pair
        union all
        select 2
        union all
        select 3
    ) as pairs
),

trio_campaign_closure as (
    select
        trio_pairs.cadre_a,
        trio_pairs.cadre_b,
        trio_pairs.cadre_c,
        directions.campaign_id,
        count(*) as directions_present,
        sum(directions.linked) as links_present,
        exp(sum(ln(directions.chance))) as chance_closed
    from trio_pairs
    inner join direction_campaigns as directions
        on
            directions.cadre_a = trio_pairs.pair_a
            and directions.cadre_b = trio_pairs.pair_b
    group by trio_pairs.cadre_a, trio_pairs.cadre_b, trio_pairs.cadre_c, directions.campaign_id
),

trio_closure as (
    select
        cadre_a,
        cadre_b,
        cadre_c,
        sum(case when links_present = 6 then 1 else 0 end) as closed_campaigns,
        sum(chance_closed) as expected_closed
    from trio_campaign_closure
    where
        directions_present = 6
        and chance_closed < {{ var('ring_max_link_chance') }}
    group by cadre_a, cadre_b, cadre_c
),

tested_trios as (
    select
        trios.*,
        coalesce(closure.closed_campaigns, 0) as closed_campaigns,
        coalesce(closure.expected_closed, 0) as expected_closed,
        {{ log10_poisson_tail('trios.reciprocated', 'trios.expected') }} as log10_chance,
        {{ log10_poisson_tail('coalesce(closure.closed_campaigns, 0)', 'coalesce(closure.expected_closed, 0)') }}
            as closed_log10_chance,
        count(*) over () as trios_tested
    from trios
    left join trio_closure as closure
        on
            closure.cadre_a = trios.cadre_a
            and closure.cadre_b = trios.cadre_b
            and closure.cadre_c = trios.cadre_c
),

-- Campaigns in which the trio's members reached each other (evidence links),
-- and campaigns all three took part in: the facts a flag's sentence quotes.
trio_directions as (
    select
        tested_trios.cadre_a,
        tested_trios.cadre_b,
        tested_trios.cadre_c,
        case directions.voter when 1 then tested_trios.cadre_a when 2 then tested_trios.cadre_b else tested_trios.cadre_c end
            as voter_id,
        case directions.target when 1 then tested_trios.cadre_a when 2 then tested_trios.cadre_b else tested_trios.cadre_c end
            as target_id
    from tested_trios
    cross join (
        select 1 as voter, 2 as target
        union all
        select 1 as voter, 3 as target
        union all
        select 2 as voter, 1 as target
        union all
        select 2 as voter, 3 as target
        union all
        select 3 as voter, 1 as target
        union all
        select 3 as voter, 2 as target
    ) as directions
),

trio_campaigns as (
    select
        directions.cadre_a,
        directions.cadre_b,
        directions.cadre_c,
        links.campaign_id
    from trio_directions as directions
    inner join evidence_links as links
        on
            links.voter_id = directions.voter_id
            and links.target_id = directions.target_id
    group by directions.cadre_a, directions.cadre_b, directions.cadre_c, links.campaign_id
),

trio_campaign_lists as (
    select
        cadre_a,
        cadre_b,
        cadre_c,
        count(*) as linked_campaigns,
        {{ sorted_string_agg('campaign_id', "', '") }} as campaigns
    from trio_campaigns
    group by cadre_a, cadre_b, cadre_c
),

-- Campaigns all three members took part in: each member (the voters of the
-- trio's directions) joined to their own campaigns, then the campaigns that
-- all three reach. Not a join of the members' activity to each other, which
-- DuckDB may order campaign first and pair every two voters of a campaign
-- (96 M rows for 142 trios at 300 cadres, 23-31 s, when its estimates put the
-- trios at 80 M).
shared_campaigns as (
    select cadre_a, cadre_b, cadre_c, count(*) as active_campaigns
    from (
        select directions.cadre_a, directions.cadre_b, directions.cadre_c, activity.campaign_id
        from trio_directions as directions
        inner join voter_activity as activity
            on activity.voter_id = directions.voter_id
        group by directions.cadre_a, directions.cadre_b, directions.cadre_c, activity.campaign_id
        having count(distinct directions.voter_id) = 3
    ) as campaigns_of_all_three
    group by cadre_a, cadre_b, cadre_c
)

-- Two tests per trio (returned links; closed campaigns): Bonferroni over
-- 2 x trios tested.
select
    tested_trios.*,
    (
        tested_trios.reciprocated >= {{ var('ring_min_links') }}
        and tested_trios.reciprocated >= {{ var('ring_min_lift') }} * tested_trios.expected
        and tested_trios.log10_chance <= log10({{ var('ring_family_alpha') }} / (2 * tested_trios.trios_tested))
    ) or (
        tested_trios.closed_campaigns >= {{ var('ring_min_closed_campaigns') }}
        and tested_trios.closed_campaigns >= {{ var('ring_min_lift') }} * tested_trios.expected_closed
        and tested_trios.closed_log10_chance <= log10({{ var('ring_family_alpha') }} / (2 * tested_trios.trios_tested))
    ) as is_ring,
    lists.linked_campaigns,
    lists.campaigns,
    coalesce(shared.active_campaigns, 0) as active_campaigns
from tested_trios
inner join trio_campaign_lists as lists
    on
        lists.cadre_a = tested_trios.cadre_a
        and lists.cadre_b = tested_trios.cadre_b
        and lists.cadre_c = tested_trios.cadre_c
left join shared_campaigns as shared
    on
        shared.cadre_a = tested_trios.cadre_a
        and shared.cadre_b = tested_trios.cadre_b
        and shared.cadre_c = tested_trios.cadre_c
