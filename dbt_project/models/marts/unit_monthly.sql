-- Burden per unit and month: what the apps cost its cadres, what they
-- achieved, and the suspected padding found among them.
-- One flags_<code> column per code of the flag registry (var flag_rules).
{% set flag_codes = var('flag_rules') %}
with cadre_months as (
    select * from {{ ref('cadre_monthly') }}
),

forced_votes as (
    select cadres.unit_id, votes.month, cast(sum(votes.forced_votes) as bigint) as forced_votes
    from {{ ref('int_votes__cadre_monthly') }} as votes
    inner join {{ ref('stg_cadres') }} as cadres on votes.cadre_id = cadres.cadre_id
    group by cadres.unit_id, votes.month
),

flags as (
    select
        cadres.unit_id,
        {{ month_of('flags.first_seen') }} as month,
        {% for code in flag_codes %}
            count(case when flags.flag_code = '{{ code }}' then 1 end) as flags_{{ code }},
        {% endfor %}
        count(*) as flags_total
    from {{ ref('padding_flags') }} as flags
    inner join {{ ref('stg_cadres') }} as cadres on flags.cadre_id = cadres.cadre_id
    group by cadres.unit_id, {{ month_of('flags.first_seen') }}
),

burden as (
    select
        unit_id,
        month,
        count(*) as cadres,
        -- Summed as decimals: a sum of doubles depends on the order the rows arrive in,
        -- which flipped a rounded average by 0.01 between two builds of the same data.
        {{ rounded_double('cast(sum(cast(screen_minutes as decimal(18, 2))) as double) / count(*)', 2) }} as avg_screen_minutes,
        {{ rounded_double('avg(distinct_apps)', 2) }} as avg_distinct_apps,
        {{ rounded_double('avg(trace_only_logins)', 2) }} as avg_trace_only_logins,
        sum(cases_opened) as cases_opened,
        sum(cases_resolved) as cases_resolved
    from cadre_months
    group by unit_id, month
)

select
    burden.unit_id,
    burden.month,
    burden.cadres,
    burden.avg_screen_minutes,
    burden.avg_distinct_apps,
    burden.avg_trace_only_logins,
    coalesce(forced_votes.forced_votes, 0) as forced_votes,
    -- A double on both engines (`* 1.0` gave Spark a decimal quotient).
    {{ rounded_double('cast(burden.cases_resolved as double) / nullif(burden.cases_opened, 0)', 4) }} as resolution_rate,
    {% for code in flag_codes %}
        coalesce(flags.flags_{{ code }}, 0) as flags_{{ code }},
    {% endfor %}
    coalesce(flags.flags_total, 0) as flags_total
from burden
left join forced_votes on burden.unit_id = forced_votes.unit_id and burden.month = forced_votes.month
left join flags on burden.unit_id = flags.unit_id and burden.month = flags.month
