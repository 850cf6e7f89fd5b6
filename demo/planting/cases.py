"""padded_cases: cases closed in bulk within seconds, or field visits claimed that were never made."""

from __future__ import annotations

import numpy as np

from demo.clock import HOUR
from demo.draw import haversine_m, micro, pick, scatter
from demo.honest.cases import case_fields
from demo.honest.checkins import VILLAGE_SPREAD_M
from demo.roles import Roles
from demo.schema import Table, nrows, take
from demo.world import World

CODE = "padded_cases"
REMOTE_CLAIM_MIN_M = 5_000  # claimed villages lie at least this far from the office
CLAIM_CLEAR_OF_VISITS_M = 1_500  # ... and this far (plus a village's spread) from any check-in that day
CLAIM_OPENED_S = (int(8.5 * HOUR), 12 * HOUR)
CLAIM_DURATION_S = (1 * HOUR, 4 * HOUR)
CLAIM_REPLY_SHARE = 0.3  # of the case's duration
BULK_REPLY_SHARE = 0.5


def claimers(roles: Roles) -> list:
    """Every second padded cadre claims visits never made; the others close cases in bulk."""
    return roles.planted[CODE][1::2]


def keep_claimers_at_desk(w: World, roles: Roles, checkins: Table) -> Table:
    """Claimers stay in the office on a few days (at the strongest level they visit one village, claim others)."""
    P = w.dial
    rng = w.rng
    drop = np.zeros(nrows(checkins), dtype=bool)
    visits = np.nonzero(np.isin(checkins["_c"], claimers(roles)) & (checkins["kind"] == "field_visit"))[0]
    visit_day = w.day_of(checkins["checkin_at"][visits])
    for c in claimers(roles):
        days = pick(rng, np.nonzero(w.present[c])[0], P.claim_days)
        roles.desk_days[c] = days
        if not P.claim_on_visit_days:
            drop[visits[(checkins["_c"][visits] == c) & np.isin(visit_day, days)]] = True
    return take(checkins, ~drop)


def bulk_cases(w: World, c: int) -> dict:
    """Batches of cases opened and closed within seconds to minutes (fewer per day, on more days, up the dial)."""
    P = w.dial
    rng = w.rng
    cs, opened, dur = [], [], []
    for d in pick(rng, np.nonzero(w.present[c])[0], P.bulk_days):
        k = int(rng.integers(*P.bulk_per_day))
        t0 = w.day_epoch[d] + rng.integers(*P.bulk_start_s)
        opened.append(t0 + np.cumsum(rng.integers(*P.bulk_gap_s, k)))
        dur.append(rng.integers(*P.bulk_dur_s, k))
        cs.append(np.full(k, c))
    dur = np.concatenate(dur)
    cases = case_fields(
        w,
        np.concatenate(cs),
        np.concatenate(opened),
        dur,
        np.maximum(1, dur * BULK_REPLY_SHARE),
        status=np.full(len(dur), "resolved"),
    )
    cases["tag"][:] = "bulk"
    return cases


def claimed_villages(w: World, c: int, days: np.ndarray, checkins: Table) -> tuple[np.ndarray, list]:
    """(days, villages) of the claims: any remote village on desk days (textbook), or,
    up the dial, a remote village the cadre did not go near that day."""
    P = w.dial
    rng = w.rng
    first, n_vil = w.unit_vil_start[w.cadre_unit[c]], w.unit_vil_count[w.cadre_unit[c]]
    if P.claim_form == "any_remote":
        days = rng.choice(days, P.claim_cases)
        remote = first + np.nonzero(w.vil_dist[first : first + n_vil] >= REMOTE_CLAIM_MIN_M)[0]
        return days, rng.choice(remote, len(days))
    days = np.sort(rng.choice(days, P.claim_cases, replace=len(days) < P.claim_cases))
    vils = np.arange(first, first + n_vil)
    mine = np.nonzero(checkins["_c"] == c)[0]
    cday = w.day_of(checkins["checkin_at"][mine])
    vil = []
    for d in days:
        on = mine[cday == d]
        lat, lon = checkins["lat"][on] / 1e6, checkins["lon"][on] / 1e6
        near = np.array([haversine_m(lat, lon, w.vil_lat[v], w.vil_lon[v]).min() if len(lat) else np.inf for v in vils])
        ok = vils[(near >= CLAIM_CLEAR_OF_VISITS_M + VILLAGE_SPREAD_M) & (w.vil_dist[vils] >= REMOTE_CLAIM_MIN_M)]
        vil.append(int(rng.choice(ok)) if len(ok) else int(vils[np.argmax(near)]))
    return days, vil


def claimed_without_visit(w: World, c: int, days: np.ndarray, checkins: Table) -> dict:
    """Field visits claimed, resolved, at villages the cadre did not go to that day."""
    rng = w.rng
    days, vil = claimed_villages(w, c, days, checkins)
    lat, lon = scatter(rng, w.vil_lat[vil], w.vil_lon[vil], 0, VILLAGE_SPREAD_M)
    opened = w.day_epoch[days] + rng.integers(*CLAIM_OPENED_S, len(days))
    dur = rng.integers(*CLAIM_DURATION_S, len(days))
    cases = case_fields(
        w,
        np.full(len(days), c),
        opened,
        dur,
        dur * CLAIM_REPLY_SHARE,
        claimed=1,
        lat=micro(lat),
        lon=micro(lon),
        status=np.full(len(days), "resolved"),
    )
    cases["tag"][:] = "claimed_no_visit"
    return cases


def plant_padded_cases(w: World, roles: Roles, checkins: Table) -> list:
    """Half the padded cadres close cases in bulk within seconds; half claim visits never made."""
    return [
        bulk_cases(w, c) if i % 2 == 0 else claimed_without_visit(w, c, roles.desk_days[c], checkins)
        for i, c in enumerate(roles.planted[CODE])
    ]
