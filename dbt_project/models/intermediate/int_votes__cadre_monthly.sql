-- Votes, likes and shares cast by cadres (voter_id is a cadre), per month;
-- forced_votes are those in mandatory campaigns.
with cadre_votes as (
    select
        votes.voter_id as cadre_id,
        {{ month_of('votes.voted_at') }} as month,
        campaigns.mandatory
    from {{ ref('stg_votes') }} as votes
    inner join {{ ref('stg_cadres') }} as cadres on votes.voter_id = cadres.cadre_id
    left join {{ ref('stg_campaigns') }} as campaigns on votes.campaign_id = campaigns.campaign_id
)

select
    cadre_id,
    month,
    count(*) as votes_cast,
    count(case when mandatory then 1 end) as forced_votes
from cadre_votes
group by cadre_id, month
