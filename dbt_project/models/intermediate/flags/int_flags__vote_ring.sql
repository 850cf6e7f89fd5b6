-- vote_ring: a closed group of cadres voting for, liking or sharing each other
-- far above the base rate (any action of the votes source counts). Every
-- member of the group is flagged.
--
-- The statistics are in int_votes__closed_trios (flag_helpers/): every closed
-- trio of cadres who reached each other both ways, its two tests against the
-- base rate (returned links; campaigns in which all six links closed) and
-- whether it is a ring. Here: each member of a ring trio is flagged once, with
-- all the rings it belongs to and its strongest trio quoted.
--
-- Honest look-alikes that stay silent: "rate everyone" campaigns and a tiny
-- unit (chance ~1, left out); popular cadres (their popularity is the base
-- rate); friends who pick each other now and then (few reciprocated links, far
-- from the bound); one-way favourites (no reciprocation); office NAT (IPs are
-- never used).

with ring_trios as (
    select *
    from {{ ref('int_votes__closed_trios') }}
    where is_ring
),

-- Each member of a ring trio, with the trio's members. (Spelt as one cross
-- join with numbered rows, not as a union of copies: Spark expands every
-- reference to a CTE.)
trio_members as (
    select
        case members.member
            when 1 then ring_trios.cadre_a when 2 then ring_trios.cadre_b
            else ring_trios.cadre_c
        end as cadre_id,
        case members.other
            when 1 then ring_trios.cadre_a when 2 then ring_trios.cadre_b
            else ring_trios.cadre_c
        end as member_id,
        ring_trios.*
    from ring_trios
    cross join (
        select 1 as member, 1 as other
        union all
        select 1 as member, 2 as other
        union all
        select 1 as member, 3 as other
        union all
        select 2 as member, 1 as other
        union all
        select 2 as member, 2 as other
        union all
        select 2 as member, 3 as other
        union all
        select 3 as member, 1 as other
        union all
        select 3 as member, 2 as other
        union all
        select 3 as member, 3 as other
    ) as members
),

member_ring as (
    select
        cadre_id,
        {{ sorted_string_agg('member_id', "', '", distinct=true) }} as ring_members,
        count(distinct member_id) as ring_size,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen
    from trio_members
    group by cadre_id
),

-- The member's strongest trio is quoted in the sentence.
member_best_trio as (
    select *
    from (
        select
            trio_members.*,
            row_number() over (
                partition by cadre_id
                order by least(log10_chance, closed_log10_chance), cadre_a, cadre_b, cadre_c
            ) as trio_rank
        from (select distinct
            cadre_id, cadre_a, cadre_b, cadre_c, reciprocated, expected, links, actions,
            log10_chance, closed_campaigns, expected_closed, closed_log10_chance,
            trios_tested, linked_campaigns, campaigns, active_campaigns
        from trio_members) as trio_members
    ) as ranked
    where trio_rank = 1
)

select
    'vote_ring' as flag_code,
    member_ring.cadre_id,
    cast(null as {{ dbt.type_string() }}) as subject_id,
    member_ring.first_seen,
    member_ring.last_seen,
    case
        when best.linked_campaigns >= {{ var('ring_high_campaigns') }} then 'high'
        else 'medium'
    end as severity,
    member_ring.cadre_id || ' belongs to a closed voting group of '
    || cast(member_ring.ring_size as {{ dbt.type_string() }})
    || ' cadres (' || member_ring.ring_members || '): '
    || best.cadre_a || ', ' || best.cadre_b || ' and ' || best.cadre_c
    || ' voted for, liked or shared each other in '
    || cast(best.linked_campaigns as {{ dbt.type_string() }}) || ' campaigns (' || best.campaigns
    || ') of the ' || cast(best.active_campaigns as {{ dbt.type_string() }})
    || ' all three took part in, '
    || cast(best.actions as {{ dbt.type_string() }}) || ' actions; '
    || cast(best.reciprocated as {{ dbt.type_string() }})
    || ' links returned the other way, where their own activity and each other''s popularity predict about '
    || {{ rounded_text('best.expected', 2) }}
    || ' (chance at most 1e' || cast(cast(ceil(best.log10_chance) as integer) as {{ dbt.type_string() }})
    || '); all six links in the same campaign in ' || cast(best.closed_campaigns as {{ dbt.type_string() }})
    || ', where '
    || case
        when best.expected_closed < 0.001 then 'less than 0.001'
        else 'about ' || {{ rounded_text('best.expected_closed', 3) }}
    end
    || ' would be expected (chance at most 1e'
    || cast(cast(ceil(best.closed_log10_chance) as integer) as {{ dbt.type_string() }})
    || '); ' || cast(best.trios_tested as {{ dbt.type_string() }}) || ' closed trios tested, 2 tests each' as evidence,
    member_ring.ring_members as evidence_key
from member_ring
inner join member_best_trio as best
    on best.cadre_id = member_ring.cadre_id
