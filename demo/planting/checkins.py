"""The check-in codes: proxy_checkin, impossible_travel, photo_reuse, gps_spoof."""

from __future__ import annotations

import numpy as np

from demo.draw import HASH_BITS, MICRO, destination, flip_bits, micro, pick, scatter
from demo.honest.checkins import ACCURACY_M, KMH, PUNCH_JITTER_M, TENTHS, checkin_rows, first_punches, make_coordinates_unique
from demo.roles import Roles
from demo.schema import Table, concat, nrows, take
from demo.world import World

TRAVEL_DAYS = 2
FAR_BEARING_DEG = (160, 220)  # the textbook far trip heads south, away from Beijing
METRES_PER_KM = 1000
PHOTO_SHARED_DAYS = 2  # per cadre of a pair sharing one photo
SPOOF_MIN_DAYS = 5  # threshold 4 days
SPOOF_OFFICE_SPOT_M = (3, 15)  # the fake spot: the office on a map
SPOOF_FIXED_ACCURACY = [1.0, 3.0, 5.0, 10.0]  # what mock-location apps report by default
SPOOF_NARROW_ACCURACY = (3, 12)
PUNCHES = ["punch_in", "punch_out"]


def plant_proxy_checkins(w: World, roles: Roles, t: Table) -> Table:
    """A's phone punches in for B minutes after A's own punch, day after day (later and rarer up the dial)."""
    P = w.dial
    rng = w.rng
    drop = np.zeros(nrows(t), dtype=bool)
    rows = []
    firsts = first_punches(w, t, [a for a, _ in roles.proxy_pairs])
    for a, b in roles.proxy_pairs:
        a_rows = firsts[a]
        days = pick(rng, [d for d in a_rows if w.present[b, d]], P.proxy_days)
        drop |= (t["_c"] == b) & (t["kind"] == "punch_in") & np.isin(w.day_of(t["checkin_at"]), days)
        ts = np.array([t["checkin_at"][a_rows[d]] for d in days]) + rng.integers(*P.proxy_gap_s, len(days))
        unit = np.full(len(days), w.cadre_unit[b])
        r = checkin_rows(
            w,
            np.full(len(days), b),
            ts,
            "punch_in",
            *scatter(rng, w.unit_lat[unit], w.unit_lon[unit], *PUNCH_JITTER_M),
            tag="proxy",
        )
        r["device_id"] = w.device_names(w.dev[a, days])
        rows.append(r)
    t = concat(take(t, ~drop), *rows)
    make_coordinates_unique(t, rng)
    return t


def plant_impossible_travel(w: World, roles: Roles, t: Table) -> Table:
    """A check-in far from the cadre's punch, sooner than any road allows.

    Textbook (`travel_legs`): fixed fast and far legs, alternated per cadre.
    Up the dial: a distance and a straight-line speed, slower at each level.
    """
    P = w.dial
    rng = w.rng
    rows = []
    index = first_punches(w, t, roles.planted["impossible_travel"])
    for i, c in enumerate(roles.planted["impossible_travel"]):
        firsts = index[c]
        days = pick(rng, list(firsts), TRAVEL_DAYS)
        src = np.array([firsts[d] for d in days])
        n = len(src)
        here_lat, here_lon = t["lat"][src] / MICRO, t["lon"][src] / MICRO
        if P.travel_legs:
            fast = i % len(P.travel_legs) == 0
            (lo_m, hi_m), (lo_s, hi_s) = P.travel_legs[i % len(P.travel_legs)]
            bearing = rng.uniform(0, 2 * np.pi, n) if fast else np.radians(rng.uniform(*FAR_BEARING_DEG, n))
            lat, lon = destination(here_lat, here_lon, rng.uniform(lo_m, hi_m, n), bearing)
            ts = t["checkin_at"][src] + rng.integers(lo_s, hi_s, n)
        else:
            dist = rng.uniform(*P.travel_km, n) * METRES_PER_KM
            speed = rng.uniform(*P.travel_kmh, n) / KMH
            lat, lon = destination(here_lat, here_lon, dist, rng.uniform(0, 2 * np.pi, n))
            ts = t["checkin_at"][src] + np.round(dist / speed).astype(np.int64)
        rows.append(checkin_rows(w, np.full(n, c), ts, "field_visit", lat, lon, tag="impossible"))
    return concat(t, *rows)


def plant_photo_reuse(w: World, roles: Roles, t: Table) -> Table:
    """One photo reused across days or cadres; each reuse an exact copy or a re-encoded one a few bits away."""
    P = w.dial
    rng = w.rng
    index = first_punches(w, t, roles.planted["photo_reuse"])
    for variant, cadres in roles.photo_variants:
        base = int(rng.integers(0, 2**HASH_BITS, dtype=np.uint64))
        near = variant == "near_same"
        if variant == "shared":
            rows = [r for c in cadres for r in pick(rng, list(index[c].values()), PHOTO_SHARED_DAYS)]
        else:
            rows = list(pick(rng, list(index[cadres[0]].values()), P.photo_near_days if near else P.photo_days))
        bits = P.photo_near_bits if near else P.photo_bits
        hashes = [base] + [flip_bits(rng, base, *bits) if bits else base for _ in rows[1:]]
        t["photo_hash"][rows] = [f"{h:016x}" for h in hashes]
        t["_tag"][rows] = "photo_reuse"
    return t


def plant_gps_spoof(w: World, roles: Roles, t: Table) -> Table:
    """A mock-location app: one fake spot (an exact replay in the textbook form, else a small random offset)."""
    P = w.dial
    rng = w.rng
    planted = roles.planted["gps_spoof"]
    index = first_punches(w, t, planted)
    cand = np.nonzero(np.isin(t["_c"], planted) & np.isin(t["kind"], PUNCHES))[0]
    cand_day = w.day_of(t["checkin_at"][cand])
    for c in planted:
        firsts = index[c]
        k = max(SPOOF_MIN_DAYS, round(P.spoof_day_share * len(firsts)))
        days = pick(rng, list(firsts), k)
        rows = cand[(t["_c"][cand] == c) & np.isin(cand_day, days)]
        n = len(rows)
        anchor = firsts[int(days[0])]
        if P.spoof_offset_m is None:  # the same spot to the last decimal
            t["lat"][rows], t["lon"][rows] = t["lat"][anchor], t["lon"][anchor]
        else:
            if P.spoof_at_office:
                u = w.cadre_unit[c]
                lat0, lon0 = scatter(rng, w.unit_lat[u : u + 1], w.unit_lon[u : u + 1], *SPOOF_OFFICE_SPOT_M)
            else:
                lat0, lon0 = np.array([t["lat"][anchor] / MICRO]), np.array([t["lon"][anchor] / MICRO])
            lat, lon = scatter(rng, np.full(n, lat0[0]), np.full(n, lon0[0]), *P.spoof_offset_m)
            t["lat"][rows], t["lon"][rows] = micro(lat), micro(lon)
        if P.spoof_accuracy is not None:
            if P.spoof_accuracy == "fixed":
                acc = np.full(n, float(rng.choice(SPOOF_FIXED_ACCURACY)))
            elif P.spoof_accuracy == "narrow":
                acc = rng.uniform(*SPOOF_NARROW_ACCURACY, n)
            else:
                acc = rng.uniform(*ACCURACY_M, n)
            t["accuracy_m"][rows] = np.round(acc * TENTHS).astype(np.int64)
        t["_tag"][rows] = "gps_spoof"
    return t
