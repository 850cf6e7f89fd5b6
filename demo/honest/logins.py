"""Honest app logins: the mandated morning study, weekend study, and sessions across each cadre's apps."""

from __future__ import annotations

import numpy as np

from demo.clock import HOUR
from demo.schema import NULL, Table, concat, make
from demo.world import APP_IDS, APPS, ATTENDANCE_APPS, STUDY_APP, World

STUDY_LOGIN_P = 0.95  # the mandated morning study login, on working days
STUDY_AT = 8 * HOUR
STUDY_MEAN_STD_S = 180  # a person's habitual time differs from 08:00 by minutes
STUDY_DAILY_STD_S = 360  # and varies day to day by minutes (a script does not): std >= 3 min
STUDY_AT_OFFICE_P = 0.5  # the study login goes through the office NAT, else the phone network
WEEKEND_STUDY_P = 0.5
WEEKEND_HOURS = (9 * HOUR, 22 * HOUR)
SESSIONS_PER_DAY = {"office": 5.0, "leave": 1.2, "off": 0.8}  # Poisson means
OFFICE_HOURS = (8.5 * HOUR, 17.75 * HOUR)
EVENING_HOURS = (18.5 * HOUR, 22.5 * HOUR)
EVENING_SHARE = 0.15  # sessions after hours, from home or the phone network
OFFICE_IP_SHARE = 0.85  # office-hours sessions that go through the unit's NAT
HOME_IP_SHARE = 0.6  # other sessions from home broadband, else the phone network
LOGOUT_NULL_P = 0.05  # sessions that were never closed
ACTIONS_NULL_P = 0.01
SESSION_SIGMA = 0.7  # lognormal spread of session length around the app's median
SESSION_S = (20, 3 * HOUR)


def app_weights(w: World) -> np.ndarray:
    """(C, A) usage weights: each cadre uses the mandatory apps and some optional ones."""
    rng = w.rng
    adopted = rng.random((w.n_cadres, len(APPS))) < np.array([a[5] for a in APPS])[None, :]
    adopted[:, [i for i, a in enumerate(APPS) if a[4]]] = True
    adopted[:, ATTENDANCE_APPS] = False
    adopted[np.arange(w.n_cadres), w.unit_att_app[w.cadre_unit]] = True
    return adopted * np.array([a[6] for a in APPS])[None, :]


def session_rows(w: World, c, d, app, tod, ip) -> Table:
    """Login rows with durations and action counts typical of each app."""
    rng = w.rng
    n = len(c)
    median = np.array([a[8] for a in APPS])[app]
    dur = np.clip(rng.lognormal(np.log(median), SESSION_SIGMA), *SESSION_S).astype(np.int64)
    zero = rng.random(n) < np.array([a[7] for a in APPS])[app]
    actions = np.where(zero, 0, 1 + rng.poisson(np.array([a[9] for a in APPS])[app]))
    actions[rng.random(n) < ACTIONS_NULL_P] = NULL
    login = w.day_epoch[d] + np.round(tod).astype(np.int64)
    logout = np.where(rng.random(n) < LOGOUT_NULL_P, NULL, login + dur)
    return make(
        "app_logins",
        n,
        _c=c,
        cadre_id=w.cadre_id[c],
        app_id=APP_IDS[app],
        device_id=w.device_names(w.dev[c, d]),
        ip=ip,
        login_at=login,
        logout_at=logout,
        actions=actions,
    )


def mandated_study_logins(w: World) -> Table:
    """The 08:00 study login people keep by hand: minutes of spread, day to day."""
    rng = w.rng
    habit = rng.normal(0, STUDY_MEAN_STD_S, w.n_cadres)
    c, d = np.nonzero(w.active[:, None] & w.workday[None, :] & (rng.random((w.n_cadres, w.days)) < STUDY_LOGIN_P))
    tod = STUDY_AT + habit[c] + rng.normal(0, STUDY_DAILY_STD_S, len(c))
    at_office = rng.random(len(c)) < STUDY_AT_OFFICE_P
    ip = np.where(at_office, w.unit_ips[w.cadre_unit[c], 0], w.mobile_ips[rng.integers(0, len(w.mobile_ips), len(c))])
    t = session_rows(w, c, d, np.full(len(c), STUDY_APP), tod, ip)
    t["_tag"][:] = "mandated_study"
    return t


def weekend_study_logins(w: World) -> Table:
    rng = w.rng
    c, d = np.nonzero(w.active[:, None] & ~w.workday[None, :] & (rng.random((w.n_cadres, w.days)) < WEEKEND_STUDY_P))
    tod = rng.uniform(*WEEKEND_HOURS, len(c))
    return session_rows(w, c, d, np.full(len(c), STUDY_APP), tod, w.home_ip[c])


def daily_app_sessions(w: World) -> Table:
    """Several sessions a working day across the cadre's apps; fewer off duty."""
    rng = w.rng
    weights = app_weights(w)
    lam = np.where(
        w.present, SESSIONS_PER_DAY["office"], np.where(w.workday[None, :], SESSIONS_PER_DAY["leave"], SESSIONS_PER_DAY["off"])
    )
    lam = lam * w.active[:, None]
    counts = rng.poisson(lam)
    c, d = np.nonzero(counts)
    reps = counts[c, d]
    c, d = np.repeat(c, reps), np.repeat(d, reps)
    n = len(c)
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    app = (cum[c] <= rng.random(n)[:, None]).sum(axis=1)
    office_day = w.present[c, d]
    evening = rng.random(n) < EVENING_SHARE
    tod = np.where(
        office_day & ~evening,
        rng.uniform(*OFFICE_HOURS, n),
        np.where(office_day, rng.uniform(*EVENING_HOURS, n), rng.uniform(*WEEKEND_HOURS, n)),
    )
    via_office = office_day & ~evening & (rng.random(n) < OFFICE_IP_SHARE)
    unit = w.cadre_unit[c]
    office_ip = w.unit_ips[unit, rng.integers(0, 2, n)]
    mobile = w.mobile_ips[rng.integers(0, len(w.mobile_ips), n)]
    ip = np.where(via_office, office_ip, np.where(rng.random(n) < HOME_IP_SHARE, w.home_ip[c], mobile))
    return session_rows(w, c, d, app, tod, ip)


def honest_logins(w: World) -> Table:
    return concat(mandated_study_logins(w), weekend_study_logins(w), daily_app_sessions(w))
