"""scripted_login: a script logs in near one slot every day, with no actions."""

from __future__ import annotations

import numpy as np

from demo.clock import HOUR, MINUTE
from demo.roles import Roles
from demo.schema import Table, concat, make, nrows, take
from demo.world import APP_IDS, STUDY_APP, TRACE_APP, World

CODE = "scripted_login"
SCRIPT_TOD = (6 * HOUR + 30 * MINUTE, 7 * HOUR + 50 * MINUTE)  # the slot: before the 08:00 study login
SCRIPT_MIN_DAYS = 12  # threshold 10 days; a script runs on weekends too (until level 2)
SLOT_MOVE_MIN_DAYS = 6  # a slot moves only in a script that runs this many days or more
SLOT_MOVE_S = (5 * MINUTE, 20 * MINUTE)


def plant_scripted_logins(w: World, roles: Roles, t: Table) -> Table:
    """A script logs in near one slot with no actions; jitter, skipped days and a moved slot hide it.

    Scripts alternate between the study app (the script does the cadre's study
    login) and the trace-only sign-in helper.
    """
    P = w.dial
    rng = w.rng
    rows = []
    drop = np.zeros(nrows(t), dtype=bool)
    planted = roles.planted[CODE]
    own = np.nonzero(np.isin(t["_c"], planted) & (t["_tag"] == "mandated_study"))[0]
    own_day = w.day_of(t["login_at"][own])
    for i, c in enumerate(planted):
        app = STUDY_APP if i % 2 == 0 else TRACE_APP
        slot = int(rng.integers(*SCRIPT_TOD))
        allowed = w.workday if P.script_workdays_only else np.ones(w.days, dtype=bool)
        days = np.nonzero(allowed & (rng.random(w.days) < P.script_day_p))[0]
        if len(days) < SCRIPT_MIN_DAYS:
            days = np.nonzero(allowed)[0][: P.script_fallback_days]
        n = len(days)
        slots = np.full(n, slot)
        if P.script_slot_move_p is not None and rng.random() < P.script_slot_move_p and n >= SLOT_MOVE_MIN_DAYS:
            cut = int(rng.integers(n // 3, 2 * n // 3))
            slots[cut:] += int(rng.choice([-1, 1]) * rng.integers(*SLOT_MOVE_S))
        j = P.script_jitter_s
        jitter = rng.integers(-j, j + 1, n) if P.script_jitter_whole else np.round(rng.uniform(-j, j, n)).astype(np.int64)
        login = w.day_epoch[days] + slots + jitter
        ip = w.home_ip[c]
        if P.script_mobile_ip_p is not None:
            mobile = rng.random(n) < P.script_mobile_ip_p
            ip = np.where(mobile, w.mobile_ips[rng.integers(0, len(w.mobile_ips), n)], w.home_ip[c])
        rows.append(
            make(
                "app_logins",
                n,
                _c=c,
                _tag="scripted",
                cadre_id=w.cadre_id[c],
                app_id=APP_IDS[app],
                device_id=w.device_names(w.dev[c, days]),
                ip=ip,
                login_at=login,
                logout_at=login + rng.integers(*P.script_session_s, n),
                actions=0,
            )
        )
        if app == STUDY_APP:  # the script does the cadre's study login (on its days, or on every day)
            mine = own[t["_c"][own] == c]
            drop[mine if P.script_replaces_all_study else mine[np.isin(own_day[t["_c"][own] == c], days)]] = True
    return concat(take(t, ~drop), *rows)
