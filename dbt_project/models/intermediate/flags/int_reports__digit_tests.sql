-- Digit tests on reported figures, one row per (cadre, metric) over all the
-- cadre's periods. Three independent signals, each with its false-positive
-- rate controlled at the sample size at hand (docs/detection.md):
--
--   benford   first significant digit vs Benford's law. Only on a metric that
--             follows Benford across all cadres (many values spanning orders of
--             magnitude, pooled MAD in Nigrini's conformity range; small counts
--             like meetings_held never do), for a cadre with >= benford_min_n
--             positive values of it.
--             Fires on chi-square (8 df) > benford_chi2_critical (p = 0.001)
--             AND Nigrini's MAD above its own expectation at that n by more than
--             benford_min_excess_mad (at a thousand values chi-square alone
--             fires on honest small deviations).
--   round     terminal-digit preference: values that are whole multiples of
--             round_unit, far more often than among the other cadres reporting
--             the same metric (peers set the base rate; leave-one-out).
--   copied    the same figure, with >= copy_min_sig_digits significant digits,
--             reported for different items.
--
-- Digits are read from the figure exactly as delivered (value_text), so
-- 18342.50 and 18342.5 read the same and nothing depends on float printing.

with figures as (
    select
        report_id,
        cadre_id,
        period,
        item,
        metric,
        value,
        submitted_at,
        -- the digits of the figure without the decimal point and the leading /
        -- trailing zeros: '18342.57' -> '1834257', '20000' -> '2', '0.05' -> '5'
        trim(both '0' from replace(trim(coalesce(value_text, cast(value as varchar))), '.', '')) as significant_digits
    from {{ ref('stg_reports') }}
    where value is not null
),

figures_with_digits as (
    select
        figures.*,
        case when value > 0 then cast(substring(significant_digits, 1, 1) as integer) end as first_digit,
        length(significant_digits) as significant_digit_count,
        case
            when value >= {{ var('round_unit') }}
             and value = floor(value)
             and mod(value, {{ var('round_unit') }}) = 0 then 1
            else 0
        end as is_round
    from figures
),

series as (
    select
        cadre_id,
        metric,
        count(*) as n_values,
        sum(case when first_digit between 1 and 9 then 1 else 0 end) as n_positive,
        min(case when value > 0 then value end) as min_positive,
        max(value) as max_value,
        sum(is_round) as n_round,
        min(period) as first_period,
        max(period) as last_period,
        min(submitted_at) as first_seen,
        max(submitted_at) as last_seen
    from figures_with_digits
    group by cadre_id, metric
),

-- Benford's expected share of each first digit: log10(1 + 1/d).
benford_digits as (
    select digit, log10(1 + 1.0 / digit) as expected_share
    from (values (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digits (digit)
),

first_digit_counts as (
    select cadre_id, metric, first_digit, count(*) as observed
    from figures_with_digits
    where first_digit between 1 and 9
    group by cadre_id, metric, first_digit
),

-- Benford applies to a metric, not to one cadre's sample: the metric is fit
-- for the test when all cadres' positive values together are many
-- (benford_metric_min_n), span orders of magnitude (benford_min_span) and
-- conform to Benford (Nigrini's MAD <= benford_metric_max_mad, a range that
-- holds at that N). Small counts (meetings_held) and narrow counts
-- (households) fail this and are never tested. An invented series often has a
-- narrow span of its own: that is part of what the test sees, not a reason
-- to skip it.
metric_digit_counts as (
    select metric, first_digit, count(*) as observed
    from figures_with_digits
    where first_digit between 1 and 9
    group by metric, first_digit
),

metric_totals as (
    select
        metric,
        sum(n_positive) as n_positive,
        min(min_positive) as min_positive,
        max(max_value) as max_value
    from series
    group by metric
),

benford_metrics as (
    select
        totals.metric,
        totals.n_positive,
        avg(abs(coalesce(counts.observed, 0) * 1.0 / totals.n_positive - benford.expected_share)) as pooled_mad
    from metric_totals as totals
    cross join benford_digits as benford
    left join metric_digit_counts as counts
        on counts.metric = totals.metric
       and counts.first_digit = benford.digit
    where totals.n_positive >= {{ var('benford_metric_min_n') }}
      and totals.max_value >= {{ var('benford_min_span') }} * totals.min_positive
    group by totals.metric, totals.n_positive
    having avg(abs(coalesce(counts.observed, 0) * 1.0 / totals.n_positive - benford.expected_share))
           <= {{ var('benford_metric_max_mad') }}
),

benford_eligible as (
    select series.*
    from series
    inner join benford_metrics
        on benford_metrics.metric = series.metric
    where series.n_positive >= {{ var('benford_min_n') }}
),

benford_tests as (
    select
        eligible.cadre_id,
        eligible.metric,
        sum(
            power(coalesce(counts.observed, 0) - eligible.n_positive * benford.expected_share, 2)
            / (eligible.n_positive * benford.expected_share)
        ) as chi_square,
        avg(abs(coalesce(counts.observed, 0) * 1.0 / eligible.n_positive - benford.expected_share)) as mad,
        -- E|observed share - expected share| for an honest sample of n values
        -- (normal approximation of the binomial), averaged over the nine digits
        avg(sqrt(2 / pi() * benford.expected_share * (1 - benford.expected_share) / eligible.n_positive))
            as expected_mad
    from benford_eligible as eligible
    cross join benford_digits as benford
    left join first_digit_counts as counts
        on counts.cadre_id = eligible.cadre_id
       and counts.metric = eligible.metric
       and counts.first_digit = benford.digit
    group by eligible.cadre_id, eligible.metric
),

-- Peers' share of round values on the same metric, the cadre left out.
metric_round_totals as (
    select metric, sum(n_round) as all_round, sum(n_values) as all_values
    from series
    group by metric
),

-- Figures precise enough that a repeat is no accident, reported for >= 2 items.
copied_figures as (
    select
        cadre_id,
        metric,
        value,
        count(distinct item) as items,
        count(*) as copied_rows
    from figures_with_digits
    where significant_digit_count >= {{ var('copy_min_sig_digits') }}
    group by cadre_id, metric, value
    having count(distinct item) >= 2
),

copy_summary as (
    select
        cadre_id,
        metric,
        sum(copied_rows) as copied_rows,
        count(*) as copied_figures,
        max(items) as max_items_one_figure
    from copied_figures
    group by cadre_id, metric
),

most_copied_figure as (
    select *
    from (
        select
            copied_figures.*,
            row_number() over (partition by cadre_id, metric order by items desc, value) as copy_rank
        from copied_figures
    ) as ranked
    where copy_rank = 1
),

tests as (
    select
        series.*,
        benford_tests.chi_square,
        benford_tests.mad,
        benford_tests.expected_mad,
        case
            when totals.all_values > series.n_values
                then (totals.all_round - series.n_round) * 1.0 / (totals.all_values - series.n_values)
        end as peer_round_share,
        coalesce(copy_summary.copied_rows, 0) as copied_rows,
        coalesce(copy_summary.copied_figures, 0) as copied_figures,
        most_copied.value as most_copied_value,
        most_copied.items as most_copied_items
    from series
    left join benford_tests
        on benford_tests.cadre_id = series.cadre_id
       and benford_tests.metric = series.metric
    inner join metric_round_totals as totals
        on totals.metric = series.metric
    left join copy_summary
        on copy_summary.cadre_id = series.cadre_id
       and copy_summary.metric = series.metric
    left join most_copied_figure as most_copied
        on most_copied.cadre_id = series.cadre_id
       and most_copied.metric = series.metric
)

select
    tests.*,
    coalesce(
        chi_square > {{ var('benford_chi2_critical') }}
        and mad - expected_mad > {{ var('benford_min_excess_mad') }},
        false
    ) as fails_benford,
    (
        n_round >= {{ var('round_min_count') }}
        and n_round >= {{ var('round_min_share') }} * n_values
        and n_round >= {{ var('round_min_lift') }} * coalesce(peer_round_share, 0) * n_values
    ) as prefers_round_values,
    copied_rows >= {{ var('copy_min_rows') }} as has_copied_values
from tests
