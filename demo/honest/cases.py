"""Honest cases: residents' requests opened, replied to and closed in office hours; visits claimed where made.

Also the case versions every case is delivered as (opened, maybe replied, closed).
"""

from __future__ import annotations

import numpy as np

from demo.clock import DAY, HOUR, MINUTE
from demo.delivery import LATE_DAYS, LATE_P
from demo.draw import micro, scatter
from demo.honest.checkins import VILLAGE_SPREAD_M
from demo.schema import NULL, Table, concat, make
from demo.world import World

CASE_CATEGORIES = [
    "subsidy",
    "housing",
    "dispute",
    "elderly_care",
    "medical_insurance",
    "employment",
    "sanitation",
    "infrastructure",
    "social_security",
    "land",
]
CASE_RATE = (0.25, 0.8)  # cases opened per office day, per cadre
OPEN_HOURS = (int(8.5 * HOUR), int(17.5 * HOUR))
CASE_CLOSE_HOURS = (8 * HOUR, 20 * HOUR)  # cases are closed by people at work, not at 05:00
NEXT_MORNING_S = 2 * HOUR  # a late close moves into the next morning's first hours
CLOSE_MEDIAN_S, CLOSE_SIGMA, CLOSE_S = 20 * HOUR, 1.0, (30 * MINUTE, 15 * DAY)
REPLY_MEDIAN_S, REPLY_SIGMA, REPLY_MIN_S = 90 * MINUTE, 0.8, 5 * MINUTE
NO_REPLY_P = 0.03
QUICK_CASE_P = 0.03  # a phone question answered in minutes: padded_cases look-alike
QUICK_CASE_S = (2 * MINUTE, 8 * MINUTE)
QUICK_REPLY_SHARE = (0.2, 0.9)  # of the case's duration
CASE_LOCATION_M = 800  # a case's location lies this close to one of the unit's villages
CASE_LOCATION_NULL_P = 0.08
CLAIMED_VISIT_P = 0.12  # field visits that close a case claimed as visited
CLAIMED_CLOSE_MIN = (10 * MINUTE, 90 * MINUTE)  # after the visit's check-in
OPENED_DAYS_BEFORE = ([0, 1, 2, 3, 5], [0.45, 0.25, 0.15, 0.1, 0.05])
CLAIMED_RESOLVED_P = 0.9
CLAIMED_REPLY_SHARE = (0.1, 0.9)
OFFICE_OPENS = 8 * HOUR  # a case closed on its opening day was opened after this
SAME_DAY_OPEN_MARGIN_S = 20 * MINUTE
REPLY_VERSION_P = 0.4  # cases delivered a middle time, when first replied
MIN_REPLY_TO_CLOSE_S = 2 * HOUR  # ... if it was closed at least this long after
STATUS_P = {"resolved": 0.78, "unresolved": 0.10, "transferred": 0.12}
RATINGS_RESOLVED = ([5, 4, 3, 2, 1], [0.45, 0.3, 0.15, 0.06, 0.04])
RATINGS_OTHER = ([1, 2, 3, 4, 5], [0.3, 0.3, 0.25, 0.1, 0.05])
NO_RATING_P = {"transferred": 0.7, "other": 0.3}


def case_fields(w: World, c, opened, dur, reply_after, category=None, claimed=0, lat=None, lon=None, status=None):
    """Case-level arrays (one row per case, before versions)."""
    rng = w.rng
    n = len(c)
    if status is None:
        status = rng.choice(list(STATUS_P), n, p=list(STATUS_P.values()))
    rating = np.where(
        status == "resolved",
        rng.choice(RATINGS_RESOLVED[0], n, p=RATINGS_RESOLVED[1]),
        rng.choice(RATINGS_OTHER[0], n, p=RATINGS_OTHER[1]),
    )
    no_rating = np.where(status == "transferred", NO_RATING_P["transferred"], NO_RATING_P["other"])
    rating = np.where(rng.random(n) < no_rating, NULL, rating)
    opened = np.asarray(opened, dtype=np.int64)
    return {
        "_c": np.asarray(c),
        "category": rng.choice(CASE_CATEGORIES, n).astype(object) if category is None else category,
        "opened": opened,
        "closed": opened + np.asarray(dur, dtype=np.int64),
        "reply": np.where(np.isnan(reply_after), NULL, opened + np.nan_to_num(reply_after).astype(np.int64)),
        "status": np.asarray(status, dtype=object),
        "claimed": np.broadcast_to(claimed, n).astype(np.int64),
        "rating": rating.astype(np.int64),
        "lat": np.full(n, NULL) if lat is None else lat,
        "lon": np.full(n, NULL) if lon is None else lon,
        "tag": np.full(n, None, dtype=object),
    }


def near_unit_village(w: World, c, max_m, null_p=0.0):
    rng = w.rng
    unit = w.cadre_unit[c]
    vil = w.unit_vil_start[unit] + (rng.random(len(c)) * w.unit_vil_count[unit]).astype(int)
    lat, lon = scatter(rng, w.vil_lat[vil], w.vil_lon[vil], 0, max_m)
    none = rng.random(len(c)) < null_p
    return np.where(none, NULL, micro(lat)), np.where(none, NULL, micro(lon))


def within_office_hours(w: World, ts: np.ndarray) -> np.ndarray:
    """Times outside 08:00-20:00 move to the next morning, 08:00-10:00."""
    day = (ts - w.day_epoch[0]) // DAY
    tod = ts - w.day_epoch[0] - day * DAY
    outside = (tod < CASE_CLOSE_HOURS[0]) | (tod > CASE_CLOSE_HOURS[1])
    day = day + (tod > CASE_CLOSE_HOURS[1])
    morning = w.day_epoch[0] + day * DAY + CASE_CLOSE_HOURS[0] + w.rng.integers(0, NEXT_MORNING_S, len(ts))
    return np.where(outside, morning, ts)


def honest_cases(w: World) -> dict:
    """Residents' requests: opened in office hours, replied within hours, closed in hours-days."""
    rng = w.rng
    rate = rng.uniform(*CASE_RATE, w.n_cadres)
    counts = rng.poisson(rate[:, None] * w.present)
    c, d = np.nonzero(counts)
    reps = counts[c, d]
    c, d = np.repeat(c, reps), np.repeat(d, reps)
    n = len(c)
    opened = w.day_epoch[d] + rng.integers(*OPEN_HOURS, n)
    quick = rng.random(n) < QUICK_CASE_P
    closed = opened + np.clip(rng.lognormal(np.log(CLOSE_MEDIAN_S), CLOSE_SIGMA, n), *CLOSE_S).astype(np.int64)
    closed = np.where(quick, opened + rng.integers(*QUICK_CASE_S, n), within_office_hours(w, closed))
    dur = closed - opened
    reply = np.where(
        quick,
        rng.uniform(*QUICK_REPLY_SHARE, n) * dur,
        np.minimum(np.clip(rng.lognormal(np.log(REPLY_MEDIAN_S), REPLY_SIGMA, n), REPLY_MIN_S, None), dur),
    )
    reply[rng.random(n) < NO_REPLY_P] = np.nan
    lat, lon = near_unit_village(w, c, CASE_LOCATION_M, CASE_LOCATION_NULL_P)
    cases = case_fields(w, c, opened, dur, reply, lat=lat, lon=lon)
    cases["tag"][quick] = "quick"
    return cases


def claimed_visit_cases(w: World, checkins: Table) -> dict:
    """Honest claimed field visits: closed on the day of a visit, within 300 m of it."""
    rng = w.rng
    visits = np.nonzero((checkins["_tag"] == "visit") & (rng.random(len(checkins["_c"])) < CLAIMED_VISIT_P))[0]
    c = checkins["_c"][visits]
    n = len(c)
    closed = checkins["checkin_at"][visits] + rng.integers(*CLAIMED_CLOSE_MIN, n)
    close_day = w.day_of(closed)
    back = np.minimum(rng.choice(OPENED_DAYS_BEFORE[0], n, p=OPENED_DAYS_BEFORE[1]), close_day)
    close_tod = closed - w.day_epoch[close_day]
    open_tod = np.where(
        back == 0,
        OFFICE_OPENS + rng.random(n) * np.maximum(close_tod - OFFICE_OPENS - SAME_DAY_OPEN_MARGIN_S, 0),
        rng.uniform(*OPEN_HOURS, n),
    )
    opened = w.day_epoch[close_day - back] + open_tod.astype(np.int64)
    lat, lon = scatter(rng, checkins["lat"][visits] / 1e6, checkins["lon"][visits] / 1e6, 0, VILLAGE_SPREAD_M)
    dur = closed - opened
    status = np.where(rng.random(n) < CLAIMED_RESOLVED_P, "resolved", "unresolved")
    cases = case_fields(
        w, c, opened, dur, rng.uniform(*CLAIMED_REPLY_SHARE, n) * dur, claimed=1, lat=micro(lat), lon=micro(lon), status=status
    )
    cases["tag"][:] = "claimed_visit"
    return cases


def case_versions(w: World, cases: dict) -> Table:
    """Each case delivered as it changes: opened, maybe replied, then closed (if in the period)."""
    rng = w.rng
    n = len(cases["_c"])
    case_no = rng.permutation(n) + 1
    end = w.period_end
    has_reply = cases["reply"] != NULL
    closed_in = cases["closed"] < end
    mid = (
        has_reply
        & (cases["reply"] < end)
        & (cases["closed"] - cases["reply"] > MIN_REPLY_TO_CLOSE_S)
        & (rng.random(n) < REPLY_VERSION_P)
    )

    def lag(m):
        return np.where(rng.random(m) < LATE_P, rng.integers(*LATE_DAYS, m), 0)

    def version(mask, updated, reply, closed, status, rating, dt):
        idx = np.nonzero(mask)[0]
        return make(
            "cases",
            len(idx),
            _c=cases["_c"][idx],
            _tag=cases["tag"][idx],
            _dt=dt[idx],
            case_id=case_no[idx],
            cadre_id=w.cadre_id[cases["_c"][idx]],
            category=cases["category"][idx],
            opened_at=cases["opened"][idx],
            first_reply_at=reply[idx],
            closed_at=closed[idx],
            status=status[idx],
            field_visit_claimed=cases["claimed"][idx],
            resident_rating=rating[idx],
            location_lat=cases["lat"][idx],
            location_lon=cases["lon"][idx],
            updated_at=updated[idx],
        )

    nulls = np.full(n, NULL)
    opens = np.full(n, "open", dtype=object)
    dt1 = w.day_of(cases["opened"]) + lag(n)
    dt2 = np.maximum(dt1, w.day_of(cases["reply"]) + lag(n))
    dt3 = np.maximum(np.where(mid, dt2, dt1), w.day_of(cases["closed"]) + lag(n))
    return concat(
        version(np.ones(n, dtype=bool), cases["opened"], nulls, nulls, opens, nulls, dt1),
        version(mid, cases["reply"], cases["reply"], nulls, opens, nulls, dt2),
        version(
            closed_in,
            cases["closed"],
            np.where(cases["reply"] < end, cases["reply"], NULL),
            cases["closed"],
            cases["status"],
            cases["rating"],
            dt3,
        ),
    )
