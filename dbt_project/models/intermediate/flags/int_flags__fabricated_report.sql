-- fabricated_report: reported figures that fail the digit tests of
-- int_reports__digit_tests. One failed test can happen to an honest series
-- (county vote counts fail Benford's chi-square now and then), so a flag needs
-- at least two independent signals, or one overwhelming one: the same precise
-- figure copied to copy_overwhelming_rows rows of different items, or nearly
-- every figure round where other cadres' are not (too few values for Benford;
-- severity low: look before accusing, an amount can be round by policy).
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
    where failed_tests >= 2
       or copied_rows >= {{ var('copy_overwhelming_rows') }}
       or (
           prefers_round_values
           and n_round >= {{ var('round_overwhelming_count') }}
           and n_round >= {{ var('round_overwhelming_share') }} * n_values
       )
)

select
    'fabricated_report' as flag_code,
    cadre_id,
    metric as subject_id,
    first_seen,
    last_seen,
    case when failed_tests = 3 then 'high' when failed_tests = 2 then 'medium' else 'low' end as severity,
    cadre_id || '''s ' || metric || ' figures (' || cast(n_values as varchar) || ' values, '
        || first_period || case when last_period <> first_period then ' to ' || last_period else '' end
        || ') fail ' || cast(failed_tests as varchar) || ' of 3 digit tests: '
        || concat_ws('; ',
            case when fails_benford then
                'first digits off Benford (chi-square ' || cast(round(chi_square, 1) as varchar)
                || ' > ' || cast({{ var('benford_chi2_critical') }} as varchar) || ', 8 df; MAD '
                || cast(round(mad, 3) as varchar) || ' vs ' || cast(round(expected_mad, 3) as varchar)
                || ' expected at n = ' || cast(n_positive as varchar) || ')'
            end,
            case when prefers_round_values then
                cast(n_round as varchar) || ' values are whole multiples of ' || cast({{ var('round_unit') }} as varchar)
                || ' (' || cast(cast(round(100.0 * n_round / n_values, 0) as integer) as varchar) || '% vs '
                || cast(round(100.0 * coalesce(peer_round_share, 0), 1) as varchar) || '% among other cadres)'
            end,
            case when has_copied_values then
                cast(copied_rows as varchar) || ' values repeat a figure reported for another item (e.g. '
                || cast(most_copied_value as varchar) || ' for ' || cast(most_copied_items as varchar) || ' items)'
            end
        ) as evidence,
    metric as evidence_key
from flagged
