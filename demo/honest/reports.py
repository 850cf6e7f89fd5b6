"""Honest monthly reports: figures per village and household group, with first digits as real amounts have."""

from __future__ import annotations

import numpy as np

from demo.clock import HOUR
from demo.schema import Table, concat, make
from demo.world import World

REPORT_FROM_DAY = 24  # monthly reports go in during the month's last week
SHORT_PERIOD_DAYS = 3  # without a month end: the last working days of the period
ITEMS_PER_REPORT = (8, 16)
ITEM_GROUPS = ("", "-G1", "-G2")  # the village, and two household groups in it
SUBMIT_HOURS = (15 * HOUR, int(18.5 * HOUR))
HONEST_ROUND_P = 0.04  # fixed subsidy amounts are sometimes round
FUNDS_DECADES = (2, 6)  # log-uniform over 100..1,000,000 yuan
MIN_ROUND_CENTS, ROUND_CENTS = 100_00, 100_000  # round amounts: whole thousands of yuan, at least 100 yuan
CENTS = 100
HOUSEHOLDS_MEDIAN, HOUSEHOLDS_SIGMA, HOUSEHOLDS_RANGE = 60, 0.6, (5, 600)
PEOPLE_PER_HOUSEHOLD = (1.5, 3.5)
MEETINGS_MEAN, MEETINGS_MAX = 4, 14
FUNDS_METRIC = "funds_disbursed_yuan"


def report_months(w: World) -> list:
    """(period, candidate submission days): months whose last week lies in the period."""
    out = []
    for y, m in sorted({(d.year, d.month) for d in w.dates}):
        days = [i for i, d in enumerate(w.dates) if (d.year, d.month) == (y, m) and d.day >= REPORT_FROM_DAY and w.workday[i]]
        if days:
            out.append((f"{y:04d}-{m:02d}", days))
    if not out:  # a short period without a month end: report the month so far at its end
        last = w.dates[-1]
        out.append((f"{last.year:04d}-{last.month:02d}", list(np.nonzero(w.workday)[0][-SHORT_PERIOD_DAYS:])))
    return out


def honest_funds_cents(rng, n) -> np.ndarray:
    """Log-uniform over 100..1,000,000 yuan: whole decades, so first digits follow Benford."""
    cents = np.round(10 ** rng.uniform(*FUNDS_DECADES, n) * CENTS).astype(np.int64)
    round_ = rng.random(n) < HONEST_ROUND_P
    cents[round_] = np.maximum(MIN_ROUND_CENTS, np.round(cents[round_] / ROUND_CENTS) * ROUND_CENTS).astype(np.int64)
    return cents


def honest_reports(w: World) -> Table:
    """Monthly figures per village / household group: four metrics each, written in blocks per metric."""
    rng = w.rng
    pools = [
        np.array([f"{w.unit_id[u]}-V{v + 1:02d}" + g for v in range(w.unit_vil_count[u]) for g in ITEM_GROUPS], dtype=object)
        for u in range(len(w.unit_id))
    ]
    cs, periods, items, subs = [], [], [], []
    for period, days in report_months(w):
        for c in np.nonzero(w.active)[0]:
            pool = pools[w.cadre_unit[c]]
            k = int(rng.integers(*ITEMS_PER_REPORT))
            chosen = rng.choice(pool, min(k, len(pool)), replace=False)
            day = int(rng.choice(days))
            sub = w.day_epoch[day] + int(rng.integers(*SUBMIT_HOURS))
            cs.append(np.full(len(chosen), c))
            periods.append(np.full(len(chosen), period, dtype=object))
            items.append(chosen)
            subs.append(np.full(len(chosen), sub))
    c, period, item, sub = (np.concatenate(x) for x in (cs, periods, items, subs))
    n = len(c)
    households = np.clip(rng.lognormal(np.log(HOUSEHOLDS_MEDIAN), HOUSEHOLDS_SIGMA, n), *HOUSEHOLDS_RANGE).astype(np.int64)
    values = {
        FUNDS_METRIC: honest_funds_cents(rng, n),
        "households_visited": households * CENTS,
        "people_served": (households * rng.uniform(*PEOPLE_PER_HOUSEHOLD, n)).astype(np.int64) * CENTS,
        "meetings_held": np.minimum(rng.poisson(MEETINGS_MEAN, n), MEETINGS_MAX) * CENTS,
    }
    return concat(
        *[
            make("reports", n, _c=c, cadre_id=w.cadre_id[c], period=period, item=item, metric=m, value=v, submitted_at=sub)
            for m, v in values.items()
        ]
    )
