"""fabricated_report: invented amounts among the reported figures."""

from __future__ import annotations

import numpy as np

from demo.evasion import Dial
from demo.honest.reports import CENTS, FUNDS_METRIC
from demo.roles import Roles
from demo.schema import Table
from demo.world import World

CODE = "fabricated_report"
LEADS = (5, 10)  # textbook invented amounts start with 5-9 (numpy bounds)
ROUND_P = 0.7  # ... and are mostly a digit and zeros: 5000, 80000, 900000
ROUND_EXPONENTS = (3, 6)  # numpy bounds
DIGITS = (1, 10)  # the others look like 58800 (numpy bounds)
MIN_INVENTED = 3  # rows invented per cadre at least ("partial")
METRIC_BLOCKS = 4  # honest_reports writes four metrics in blocks: funds first, households second


def textbook_pool(rng, P: Dial) -> list:
    """A few invented amounts (yuan), copied over every item and month."""
    pool: set = set()
    while len(pool) < P.invent_pool:
        lead = int(rng.integers(*LEADS))
        if rng.random() < ROUND_P:
            pool.add(lead * 10 ** int(rng.integers(*ROUND_EXPONENTS)))
        else:
            pool.add(lead * 10_000 + int(rng.integers(*DIGITS)) * 1_000 + int(rng.integers(*DIGITS)) * 100)  # 58800
    return sorted(pool)


def invented_amounts(rng, P: Dial, k: int) -> np.ndarray:
    """Amounts a person makes up (yuan): a first digit, a magnitude like the real ones, then rounded."""
    lead = rng.integers(P.invent_lead_min, LEADS[1], k)
    exp = rng.integers(*ROUND_EXPONENTS, k)  # thousands to hundreds of thousands
    raw = (lead + rng.random(k)) * 10.0**exp
    unit = rng.choice(list(P.invent_round), k, p=list(P.invent_round.values()))
    return np.maximum(unit, np.round(raw / unit) * unit).astype(np.int64)


def plant_fabricated_reports(w: World, roles: Roles, t: Table) -> Table:
    """Textbook: every amount from a pool of copied round figures. Up the dial: part of the
    amounts invented and rounded, the rest real; households on invented items rounded too."""
    P = w.dial
    rng = w.rng
    for c in roles.planted[CODE]:
        if P.invent_form == "copied_pool":
            pool = textbook_pool(rng, P)
            rows = np.nonzero((t["_c"] == c) & (t["metric"] == FUNDS_METRIC))[0]
            t["value"][rows] = rng.choice(pool, len(rows)) * CENTS
            t["_tag"][rows] = "fabricated"
            continue
        n = len(t["_c"]) // METRIC_BLOCKS
        rows = np.nonzero(t["_c"][:n] == c)[0]
        k = max(MIN_INVENTED, round(P.invent_share * len(rows)))
        rows = np.sort(rng.choice(rows, min(k, len(rows)), replace=False))
        if P.invent_pool:
            values = rng.choice(invented_amounts(rng, P, P.invent_pool), len(rows))
        else:
            values = invented_amounts(rng, P, len(rows))
        t["value"][rows] = values * CENTS
        t["_tag"][rows] = "fabricated"
        if P.invent_count_round:
            r = P.invent_count_round
            hh = t["value"][n + rows] // CENTS
            t["value"][n + rows] = np.maximum(r, np.round(hh / r) * r).astype(np.int64) * CENTS
    return t
