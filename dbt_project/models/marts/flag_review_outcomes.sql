-- What inspectors found, per flag code and month: how many flags were raised,
-- how many reviewed, and the confirmed rate among those decided, so each rule's
-- thresholds can be judged against the inspectors' verdicts. Every code of the
-- flag registry has a row for every month the data covers, zeros included.

with registry as (
    select flag_code from {{ ref('flag_codes') }}
),

flags as (
    select flag_code, {{ month_of('first_seen') }} as month, review_verdict
    from {{ ref('padding_flags') }}
),

months as (
    select month from {{ ref('int_months') }}
    union
    select month from flags
),

outcomes as (
    select
        flag_code,
        month,
        count(*) as flags,
        count(review_verdict) as reviewed,
        count(case when review_verdict = 'confirmed' then 1 end) as confirmed,
        count(case when review_verdict = 'dismissed' then 1 end) as dismissed,
        count(case when review_verdict = 'needs-evidence' then 1 end) as needs_evidence
    from flags
    group by flag_code, month
)

select
    registry.flag_code,
    months.month,
    coalesce(outcomes.flags, 0) as flags,
    coalesce(outcomes.reviewed, 0) as reviewed,
    coalesce(outcomes.confirmed, 0) as confirmed,
    coalesce(outcomes.dismissed, 0) as dismissed,
    coalesce(outcomes.needs_evidence, 0) as needs_evidence,
    -- A double on both engines, as the contract says: `* 1.0` made a decimal
    -- quotient on Spark (decimal(27,4)), a double on DuckDB.
    {{ rounded_double('cast(outcomes.confirmed as double) / nullif(outcomes.confirmed + outcomes.dismissed, 0)', 4) }} as confirmed_rate
from registry
cross join months
left join outcomes on registry.flag_code = outcomes.flag_code and months.month = outcomes.month
