"""Honest check-ins: punches at the office with GPS jitter, and car trips to villages."""

from __future__ import annotations

import numpy as np

from demo.clock import HOUR, MINUTE
from demo.draw import haversine_m, micro, photo_hashes, scatter
from demo.schema import Table, concat, make
from demo.world import APP_IDS, World

PUNCH_JITTER_M = (5, 20)  # real GPS fixes differ by metres between fixes
ACCURACY_M = (5, 30)
TENTHS = 10  # accuracy is stored in tenths of a metre
PHOTO_NULL_P = 0.10
PUNCH_IN_AT, PUNCH_OUT_AT = 8 * HOUR, 17.5 * HOUR
PUNCH_IN_HABIT_MIN, PUNCH_IN_DAILY_STD_MIN, PUNCH_IN_CLIP_MIN = (5, 30), 6, (-10, 55)  # minutes after 08:00
PUNCH_OUT_HABIT_MIN, PUNCH_OUT_DAILY_STD_MIN, PUNCH_OUT_CLIP_MIN = (10, 45), 10, (-5, 90)  # minutes after 17:30
DOUBLE_PUNCH_P = 0.03  # a second punch seconds later: jitter, not travel
DOUBLE_PUNCH_GAP_S = (3, 20)
MISSING_PUNCH_OUT_P = 0.03
FIELD_VISITS_P = [0.35, 0.35, 0.20, 0.10]  # 0-3 field visits on an office day
MAX_VISITS = len(FIELD_VISITS_P) - 1
LEAVE_OFFICE_MIN = (20, 90)  # after the punch in, before the first trip
VISIT_PUNCH_MIN = (1, 5)  # after arriving, the visit's check-in
VISIT_STAY_MIN = (20, 70)
BACK_PUNCH_OUT_MIN = (5, 20)  # back at the office, the punch out at the earliest
CAR_SPEED_KMH = (30, 60)  # on the road; straight-line speed is lower
KMH = 3.6  # km/h per m/s
ROAD_FACTOR = 1.3  # roads are longer than the straight line
LAST_VISIT_TOD = 16.5 * HOUR  # field visits stop in time to return to the office
VILLAGE_SPREAD_M = 300  # a visit lands somewhere in the village, not at its centre
CARPOOL_DAY_P = 0.7
CARPOOL_GAP_S = (5, 56)  # the passenger punches this many seconds after the driver
COORDINATE_NUDGE = [-3, -2, -1, 1, 2, 3]  # micro-degrees (~0.1 m)
LAT_KEY = 1_000_000_000  # lat * this + lon: one key per position


def checkin_rows(w: World, c, ts, kind, lat, lon, tag=None) -> Table:
    rng = w.rng
    n = len(c)
    d = w.day_of(ts)
    return make(
        "checkins",
        n,
        _c=c,
        _tag=tag,
        cadre_id=w.cadre_id[c],
        app_id=APP_IDS[w.unit_att_app[w.cadre_unit[c]]],
        kind=kind,
        checkin_at=ts,
        lat=micro(lat),
        lon=micro(lon),
        accuracy_m=np.round(rng.uniform(*ACCURACY_M, n) * TENTHS).astype(np.int64),
        device_id=w.device_names(w.dev[c, d]),
        photo_hash=photo_hashes(rng, n, PHOTO_NULL_P),
    )


def punch_times(w: World, carpool_pairs: list) -> tuple[np.ndarray, np.ndarray]:
    """(C, D) punch-in and punch-out epochs: personal habits plus daily noise."""
    rng = w.rng
    C, D = w.n_cadres, w.days
    day = w.day_epoch[None, :]
    in_tod = (
        np.clip(
            rng.uniform(*PUNCH_IN_HABIT_MIN, C)[:, None] * MINUTE + rng.normal(0, PUNCH_IN_DAILY_STD_MIN * MINUTE, (C, D)),
            PUNCH_IN_CLIP_MIN[0] * MINUTE,
            PUNCH_IN_CLIP_MIN[1] * MINUTE,
        )
        + PUNCH_IN_AT
    )
    out_tod = (
        np.clip(
            rng.uniform(*PUNCH_OUT_HABIT_MIN, C)[:, None] * MINUTE + rng.normal(0, PUNCH_OUT_DAILY_STD_MIN * MINUTE, (C, D)),
            PUNCH_OUT_CLIP_MIN[0] * MINUTE,
            PUNCH_OUT_CLIP_MIN[1] * MINUTE,
        )
        + PUNCH_OUT_AT
    )
    t_in = day + np.round(in_tod).astype(np.int64)
    t_out = day + np.round(out_tod).astype(np.int64)
    for x, y in carpool_pairs:  # arrive together, punch within a minute
        days = w.present[x] & w.present[y] & (rng.random(D) < CARPOOL_DAY_P)
        t_in[y, days] = t_in[x, days] + rng.integers(*CARPOOL_GAP_S, days.sum())
    return t_in, t_out


def field_visits(w: World, c, d, t_in):
    """Car trips office -> villages -> office, slow enough for real roads.

    Returns the visit check-ins (cadre, time, lat, lon) and each day's return time.
    """
    rng = w.rng
    n = len(c)
    unit = w.cadre_unit[c]
    k = rng.choice(len(FIELD_VISITS_P), n, p=FIELD_VISITS_P)
    vil = w.unit_vil_start[unit][:, None] + (rng.random((n, MAX_VISITS)) * w.unit_vil_count[unit][:, None]).astype(int)
    vlat, vlon = scatter(rng, w.vil_lat[vil], w.vil_lon[vil], 0, VILLAGE_SPREAD_M)
    plat, plon = w.unit_lat[unit], w.unit_lon[unit]
    t = t_in + rng.uniform(*LEAVE_OFFICE_MIN, n) * MINUTE
    keep = np.zeros((n, MAX_VISITS), dtype=bool)
    times = np.zeros((n, MAX_VISITS))
    latest = w.day_epoch[d] + LAST_VISIT_TOD
    for j in range(MAX_VISITS):
        speed = rng.uniform(*CAR_SPEED_KMH, n) / KMH
        arrive = t + haversine_m(plat, plon, vlat[:, j], vlon[:, j]) * ROAD_FACTOR / speed
        ok = (j < k) & (arrive <= latest) & (keep[:, j - 1] if j else True)
        keep[:, j] = ok
        times[:, j] = arrive + rng.uniform(*VISIT_PUNCH_MIN, n) * MINUTE
        t = np.where(ok, arrive + rng.uniform(*VISIT_STAY_MIN, n) * MINUTE, t)
        plat, plon = np.where(ok, vlat[:, j], plat), np.where(ok, vlon[:, j], plon)
    speed = rng.uniform(*CAR_SPEED_KMH, n) / KMH
    back = t + haversine_m(plat, plon, w.unit_lat[unit], w.unit_lon[unit]) * ROAD_FACTOR / speed
    back = np.where(keep[:, 0], back, np.nan)
    r, j = np.nonzero(keep)
    return (c[r], np.round(times[r, j]).astype(np.int64), vlat[r, j], vlon[r, j]), back


def make_coordinates_unique(t: Table, rng) -> None:
    """Real fixes never repeat to the last decimal: nudge the rare exact repeats by ~0.1 m."""
    while True:
        key = t["lat"] * LAT_KEY + t["lon"]
        _, first = np.unique(key, return_index=True)
        dup = np.ones(len(key), dtype=bool)
        dup[first] = False
        if not dup.any():
            return
        t["lat"][dup] += rng.choice(COORDINATE_NUDGE, dup.sum())


def honest_checkins(w: World, carpool_pairs: list) -> Table:
    """Punch in and out at the office (some twice, some without a punch out) and the day's village visits."""
    rng = w.rng
    t_in, t_out = punch_times(w, carpool_pairs)
    c, d = np.nonzero(w.present)
    unit = w.cadre_unit[c]
    olat, olon = w.unit_lat[unit], w.unit_lon[unit]
    (vc, vt, vlat, vlon), back = field_visits(w, c, d, t_in[c, d])
    out_at = np.where(
        np.isnan(back),
        t_out[c, d],
        np.maximum(t_out[c, d], np.nan_to_num(back) + rng.uniform(*BACK_PUNCH_OUT_MIN, len(c)) * MINUTE),
    )
    has_out = rng.random(len(c)) >= MISSING_PUNCH_OUT_P
    dbl = rng.random(len(c)) < DOUBLE_PUNCH_P
    parts = [
        checkin_rows(w, c, t_in[c, d], "punch_in", *scatter(rng, olat, olon, *PUNCH_JITTER_M)),
        checkin_rows(
            w,
            c[dbl],
            t_in[c, d][dbl] + rng.integers(*DOUBLE_PUNCH_GAP_S, dbl.sum()),
            "punch_in",
            *scatter(rng, olat[dbl], olon[dbl], *PUNCH_JITTER_M),
            tag="double_punch",
        ),
        checkin_rows(
            w,
            c[has_out],
            np.round(out_at[has_out]).astype(np.int64),
            "punch_out",
            *scatter(rng, olat[has_out], olon[has_out], *PUNCH_JITTER_M),
        ),
        checkin_rows(w, vc, vt, "field_visit", vlat, vlon, tag="visit"),
    ]
    t = concat(*parts)
    make_coordinates_unique(t, rng)
    return t


def first_punches(w: World, t: Table, cadres) -> dict:
    """Cadre -> {day index -> row of the cadre's first punch_in that day}, for many cadres in one pass."""
    cadres = np.asarray(list(cadres), dtype=np.int64)
    rows = np.nonzero(np.isin(t["_c"], cadres) & (t["kind"] == "punch_in"))[0]
    rows = rows[np.lexsort((t["checkin_at"][rows], t["_c"][rows]))]
    c, d = t["_c"][rows], w.day_of(t["checkin_at"][rows])
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (c[1:] != c[:-1]) | (d[1:] != d[:-1])
    out: dict = {int(x): {} for x in cadres}
    for x, day, r in zip(c[first].tolist(), d[first].tolist(), rows[first].tolist()):
        out[x][day] = r
    return out
