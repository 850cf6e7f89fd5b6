-- fabricated_report: reported figures that fail the digit tests of
-- int_reports__digit_tests. One failed test at its own level (p = 0.001 for
-- Benford's chi-square and for round values) can happen to an honest series
-- (county vote counts fail Benford's chi-square now and then), so a flag needs
-- at least two independent signals, or one overwhelming one:
--   * the same precise figure copied to copy_overwhelming_rows rows of
--     different items;
--   * round values (at 10, 50 or 100) far more often than the peers on the same
--     metric, at a binomial tail below round_family_alpha / (round tests made
--     in the build): a Bonferroni bound, taken against the roundest cadres'
--     share (round_alone_quantile), since honest cadres differ in how often
--     they round. Severity low: one kind of evidence; an amount can be round
--     by policy for one cadre.
-- Benford alone is never overwhelming: honest data with a narrow span (Maine's
-- town vote counts) fails it massively.

with digit_tests as (
    select
        *,
        (case when fails_benford then 1 else 0 end)
        + (case when prefers_round_values then 1 else 0 end)
        + (case when has_copied_values then 1 else 0 end) as failed_tests
    from {{ ref('int_reports__digit_tests') }}
),

flagged as (
    select *
    from digit_tests
    where
        failed_tests >= 2
        or copied_rows >= {{ var('copy_overwhelming_rows') }}
        or round_significant_alone
        -- nearly every figure round (the earlier, fixed rule, kept: honest
        -- heavy rounders in every demo and evasion level reach 35-60 %)
        or (
            prefers_round_values
            and n_round >= {{ var('round_overwhelming_count') }}
            and n_round >= {{ var('round_overwhelming_share') }} * n_round_eligible
        )
)

select
    'fabricated_report' as flag_code,
    cadre_id,
    metric as subject_id,
    first_seen,
    last_seen,
    case when failed_tests = 3 then 'high' when failed_tests = 2 then 'medium' else 'low' end as severity,
    cadre_id || '''s ' || metric || ' figures (' || cast(n_values as {{ dbt.type_string() }}) || ' values, '
    || first_period || case when last_period <> first_period then ' to ' || last_period else '' end
    || ') fail ' || cast(failed_tests as {{ dbt.type_string() }}) || ' of 3 digit tests: '
    || concat_ws(
        '; ',
        case
            when fails_benford then
                'first digits off Benford (chi-square ' || {{ rounded_text('chi_square', 1) }}
                || ' > ' || cast({{ var('benford_chi2_critical') }} as {{ dbt.type_string() }}) || ', 8 df; MAD '
                || {{ rounded_text('mad', 3) }} || ' vs ' || {{ rounded_text('expected_mad', 3) }}
                || ' expected at n = ' || cast(n_positive as {{ dbt.type_string() }}) || ')'
        end,
        case
            when prefers_round_values then
                cast(n_round as {{ dbt.type_string() }}) || ' values are whole multiples of '
                || cast(round_unit as {{ dbt.type_string() }})
                || ' (' || cast(cast(round(100.0 * n_round / n_round_eligible, 0) as integer) as {{ dbt.type_string() }})
                || '% of figures of at least ' || cast({{ var('round_min_multiple') }} * round_unit as {{ dbt.type_string() }})
                || ', where the median cadre has ' || {{ rounded_text('100.0 * median_round_share', 1) }}
                || '%; base rate ' || {{ rounded_text('100.0 * base_round_share', 2) }} || '%'
                || case
                    when round_significant_alone
                        then
                            ', the roundest ' || cast(cast(round(100 * (1 - {{ var('round_alone_quantile') }}), 0) as integer) as {{ dbt.type_string() }})
                            || '% of cadres ' || {{ rounded_text('100.0 * high_round_share', 1) }}
                            || '%; binomial chance at most 1e'
                            || cast(cast(ceil(round_alone_log10_chance) as integer) as {{ dbt.type_string() }})
                            || ' even at their rate'
                    else
                        '; binomial chance at most 1e'
                        || cast(cast(ceil(round_log10_chance) as integer) as {{ dbt.type_string() }})
                end
                || ', ' || cast(round_tests_made as {{ dbt.type_string() }}) || ' round-value tests made)'
        end,
        case
            when has_copied_values then
                cast(copied_rows as {{ dbt.type_string() }}) || ' values repeat a figure reported for another item (e.g. '
                || {{ double_text('most_copied_value') }} || ' for ' || cast(most_copied_items as {{ dbt.type_string() }}) || ' items)'
        end
    ) as evidence,
    metric as evidence_key
from flagged
