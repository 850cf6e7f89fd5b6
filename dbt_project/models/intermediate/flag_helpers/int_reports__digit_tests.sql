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
--   round     terminal-digit preference at several units (round_units: 10, 50,
--             100): of the cadre's figures that are at least round_min_multiple
--             times the unit, how many are whole multiples of it, against the
--             other cadres' share on the same metric (peers set the base rate;
--             leave-one-out, add-one smoothed). Binomial tail bound (Chernoff)
--             per (cadre, metric, unit); the unit with the smallest tail is
--             reported. A signal at p <= round_signal_p; alone enough for a
--             flag at p <= round_family_alpha / (tests made in the build), a
--             Bonferroni bound, against the share of the roundest cadres
--             (round_alone_quantile) rather than the median: honest cadres
--             differ in how often they round (overdispersion), and alone a
--             cadre must stand out from them too.
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
        trim(both '0' from replace(trim(coalesce(value_text, {{ double_text('value') }})), '.', '')) as significant_digits
    from {{ ref('stg_reports') }}
    where value is not null
),

-- sqlfluff cannot place the columns a jinja loop writes: no indentation rule here.
-- noqa: disable=LT02
figures_with_digits as (
    select
        figures.*,
        case when value > 0 then cast(substring(significant_digits, 1, 1) as integer) end as first_digit,
        length(significant_digits) as significant_digit_count,
        {%- for unit in var('round_units') %}
        case when value >= {{ var('round_min_multiple') }} * {{ unit }} then 1 else 0 end as eligible_{{ unit }},
        case
            when
                value >= {{ var('round_min_multiple') }} * {{ unit }}
                and value = floor(value)
                and mod(value, {{ unit }}) = 0 then 1
            else 0
        end as round_{{ unit }}{{ ',' if not loop.last }}
        {%- endfor %}
    from figures
),
-- noqa: enable=LT02

series as (
    select
        cadre_id,
        metric,
        count(*) as n_values,
        sum(case when first_digit between 1 and 9 then 1 else 0 end) as n_positive,
        min(case when value > 0 then value end) as min_positive,
        max(value) as max_value,
        {%- for unit in var('round_units') %}
            sum(eligible_{{ unit }}) as eligible_{{ unit }},
            sum(round_{{ unit }}) as round_{{ unit }},
        {%- endfor %}
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
        on
            counts.metric = totals.metric
            and counts.first_digit = benford.digit
    where
        totals.n_positive >= {{ var('benford_metric_min_n') }}
        and totals.max_value >= {{ var('benford_min_span') }} * totals.min_positive
    group by totals.metric, totals.n_positive
    having
        avg(abs(coalesce(counts.observed, 0) * 1.0 / totals.n_positive - benford.expected_share))
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
        on
            counts.cadre_id = eligible.cadre_id
            and counts.metric = eligible.metric
            and counts.first_digit = benford.digit
    group by eligible.cadre_id, eligible.metric
),

-- Round values per unit, against the base rate of the same metric: the median
-- cadre's share of round figures (robust: a few heavy rounders do not raise
-- it), floored at one in (figures of the other cadres + 2), the add-one rate
-- of a metric where nobody rounds.
cadre_unit_shares as (
    {%- for unit in var('round_units') %}
        select
            cadre_id,
            metric,
            {{ unit }} as round_unit,
            eligible_{{ unit }} as n_eligible,
            round_{{ unit }} as n_round,
            round_{{ unit }} * 1.0 / eligible_{{ unit }} as round_share
        from series
        where eligible_{{ unit }} >= {{ var('round_min_count') }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

metric_unit_base as (
    select
        metric,
        round_unit,
        sum(n_eligible) as all_eligible,
        sum(n_round) as all_round,
        percentile_cont(0.5) within group (order by round_share) as median_round_share,
        percentile_cont({{ var('round_alone_quantile') }}) within group (order by round_share) as high_round_share
    from cadre_unit_shares
    group by metric, round_unit
),

round_tests as (
    select
        shares.cadre_id,
        shares.metric,
        shares.round_unit,
        shares.n_eligible,
        shares.n_round,
        case
            when base.all_eligible > shares.n_eligible
                then (base.all_round - shares.n_round) * 1.0 / (base.all_eligible - shares.n_eligible)
        end as peer_round_share,
        base.median_round_share,
        greatest(base.median_round_share, 1.0 / (base.all_eligible - shares.n_eligible + 2)) as base_round_share,
        -- honest cadres differ in how often they round (flat grants, habit):
        -- alone, a cadre must stand out from the roundest cadres too
        greatest(base.high_round_share, 1.0 / (base.all_eligible - shares.n_eligible + 2)) as high_round_share
    from cadre_unit_shares as shares
    inner join metric_unit_base as base
        on
            base.metric = shares.metric
            and base.round_unit = shares.round_unit
),

round_scored as (
    select
        round_tests.*,
        {{ log10_binomial_tail('n_round', 'n_eligible', 'base_round_share') }} as round_log10_chance,
        {{ log10_binomial_tail('n_round', 'n_eligible', 'high_round_share') }} as round_alone_log10_chance,
        -- every (cadre, metric, unit) that could reach round_min_count is a test
        count(*) over () as round_tests_made,
        (
            n_round >= {{ var('round_min_count') }}
            and n_round >= {{ var('round_min_share') }} * n_eligible
            and n_round >= {{ var('round_min_lift') }} * base_round_share * n_eligible
        ) as round_effect
    from round_tests
),

-- The unit reported: effect sizes met first, then significant at the signal
-- level, then the coarsest unit (5000 is reported as a multiple of 100, not
-- of 10), then the smallest tail.
best_round as (
    select *
    from (
        select
            round_scored.*,
            row_number() over (
                partition by cadre_id, metric
                order by
                    case when round_effect then 0 else 1 end,
                    case when round_log10_chance <= log10({{ var('round_signal_p') }}) then 0 else 1 end,
                    round_unit desc,
                    round_log10_chance
            ) as unit_rank
        from round_scored
    ) as ranked
    where unit_rank = 1
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
        best_round.round_unit,
        coalesce(best_round.n_eligible, 0) as n_round_eligible,
        coalesce(best_round.n_round, 0) as n_round,
        best_round.peer_round_share,
        best_round.median_round_share,
        best_round.base_round_share,
        coalesce(best_round.round_log10_chance, 0) as round_log10_chance,
        best_round.high_round_share,
        coalesce(best_round.round_alone_log10_chance, 0) as round_alone_log10_chance,
        best_round.round_tests_made,
        coalesce(best_round.round_effect, false) as round_effect,
        coalesce(copy_summary.copied_rows, 0) as copied_rows,
        coalesce(copy_summary.copied_figures, 0) as copied_figures,
        most_copied.value as most_copied_value,
        most_copied.items as most_copied_items
    from series
    left join benford_tests
        on
            benford_tests.cadre_id = series.cadre_id
            and benford_tests.metric = series.metric
    left join best_round
        on
            best_round.cadre_id = series.cadre_id
            and best_round.metric = series.metric
    left join copy_summary
        on
            copy_summary.cadre_id = series.cadre_id
            and copy_summary.metric = series.metric
    left join most_copied_figure as most_copied
        on
            most_copied.cadre_id = series.cadre_id
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
        round_effect
        and round_log10_chance <= log10({{ var('round_signal_p') }})
    ) as prefers_round_values,
    (
        round_effect
        and round_alone_log10_chance <= log10({{ var('round_family_alpha') }} / round_tests_made)
    ) as round_significant_alone,
    copied_rows >= {{ var('copy_min_rows') }} as has_copied_values
from tests
