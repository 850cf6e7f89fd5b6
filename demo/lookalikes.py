"""Honest behaviour that looks like padding (levels 1-3; written to _truth/lookalikes.csv, never to flags.csv).

Why: a detector is only as good as what it leaves alone. Each look-alike is
what real people and phones do: punctual people who keep a mandated login time
by alarm, a fixed desk with real GPS jitter, Wi-Fi positioning that repeats a
place's coordinates, family phones, popular cadres with viral bursts of honest
votes, honest round subsidies, service days full of quick cases, photos of the
same backdrop, fast expressway trips. Level 0 has none of them (every share 0),
and then these functions draw nothing.
"""

from __future__ import annotations

import numpy as np

from demo.clock import HOUR, MINUTE
from demo.draw import HASH_BITS, MICRO, destination, flip_bits, micro, pick, rayleigh_offsets, scatter
from demo.evasion import LOOKALIKE_KINDS
from demo.honest.cases import case_fields
from demo.honest.checkins import KMH, TENTHS, checkin_rows, first_punches
from demo.honest.reports import CENTS, FUNDS_METRIC
from demo.honest.votes import PUBLIC_ACTIONS, PUBLIC_HOURS, public_accounts, vote_rows, window_days
from demo.roles import Roles
from demo.schema import NULL, Table, concat, nrows, take
from demo.world import APP_IDS, STUDY_APP, TRACE_APP, World

# punctual: an alarm at a fixed minute of 07:45-07:59, a human reaction after it
ALARM_FROM, ALARM_MINUTES = 7 * HOUR + 45 * MINUTE, (0, 15)
REACTION_SIGMA = 0.8
SNOOZE_P, SNOOZE_S = 0.1, (3 * MINUTE, 15 * MINUTE)  # snoozed, busy
TRACE_ZERO_ACTIONS_P = 0.97
TRACE_SESSION_S = (15, 90)
# desk GPS and Wi-Fi fixes
DESK_FROM_OFFICE_M = (3, 15)
DESK_ACCURACY_SIGMA, DESK_ACCURACY_RANGE_M = 0.35, (2.0, 40.0)
ACCURACY_TO_SIGMA = 1.51  # reported accuracy is the 68 % radius of a Rayleigh error
WIFI_SPOT_FROM_OFFICE_M = (10, 60)
WIFI_SPOT_P = [0.7, 0.2, 0.1]  # how often the fix snaps to the 1st, 2nd, 3rd access point
FAMILY_PUNCH_GAP_S = (20, 150)
# expressway trips
EXPRESSWAY_DAYS = 2
EXPRESSWAY_M = (20_000, 45_000)
EXPRESSWAY_LEAVE_S = (10 * MINUTE, 30 * MINUTE)  # after the punch in
EXPRESSWAY_STAY_S = 3 * HOUR  # the punch out comes at least this long after arriving
DAY_KEY = 100_000  # cadre * this + day: one key per cadre and day
# votes
POPULAR_VOTES = (15, 40)  # extra residents' votes per popular cadre and campaign
VIRAL_HOURS = (8 * HOUR, 22 * HOUR)
VIRAL_ACTIONS = (["vote", "like", "share"], [0.7, 0.2, 0.1])
# cases and reports
SERVICE_OPENS = 9 * HOUR
SERVICE_GAP_S = (5 * MINUTE, 20 * MINUTE)
SERVICE_REPLY_SHARE = (0.2, 0.8)
REPORT_METRICS = 4  # honest_reports writes four metrics, in blocks
HOUSEHOLDS_METRIC = "households_visited"
SUBSIDY_STANDARDS = [300, 450, 500, 600, 650, 800, 1000, 1200, 1500, 2000]  # yuan per recipient household
SUBSIDY_RECIPIENT_SHARE = (0.05, 0.4)  # of the item's households


def punctual_logins(w: World, roles: Roles, t: Table) -> Table:
    """People who keep the mandated time by alarm: the alarm is a fixed minute, the reaction is human."""
    P = w.dial
    rng = w.rng
    cad = np.array(roles.lookalikes["punctual"], dtype=np.int64)
    rows = np.nonzero(np.isin(t["_c"], cad) & (t["_tag"] == "mandated_study"))[0]
    if not len(rows):
        return t
    n = len(rows)
    alarm = dict(zip(cad.tolist(), (ALARM_FROM + rng.integers(*ALARM_MINUTES, len(cad)) * MINUTE).tolist()))
    c = t["_c"][rows]
    day = w.day_of(t["login_at"][rows])
    reaction = rng.lognormal(np.log(P.punctual_reaction_s), REACTION_SIGMA, n)
    reaction += np.where(rng.random(n) < SNOOZE_P, rng.uniform(*SNOOZE_S, n), 0)  # snoozed, busy
    login = w.day_epoch[day] + np.array([alarm[x] for x in c]) + np.round(reaction).astype(np.int64)
    shift = login - t["login_at"][rows]
    t["login_at"][rows] = login
    has_out = t["logout_at"][rows] != NULL
    t["logout_at"][rows[has_out]] += shift[has_out]
    if P.punctual_trace_app:  # the daily sign-in helper: open, get the point, close
        t["app_id"][rows] = APP_IDS[TRACE_APP]
        t["actions"][rows] = np.where(rng.random(n) < TRACE_ZERO_ACTIONS_P, 0, 1)
        t["logout_at"][rows[has_out]] = login[has_out] + rng.integers(*TRACE_SESSION_S, has_out.sum())
    t["_tag"][rows] = "punctual"
    return t


def family_logins(w: World, roles: Roles, t: Table) -> Table:
    """On weekends a spouse does the study session on the other's phone."""
    P = w.dial
    rng = w.rng
    study = np.nonzero(np.isin(t["_c"], [b for _, b in roles.family_pairs]) & (t["app_id"] == APP_IDS[STUDY_APP]))[0]
    for a, b in roles.family_pairs:
        rows = study[t["_c"][study] == b]
        day = w.day_of(t["login_at"][rows])
        rows, day = rows[~w.workday[day]], day[~w.workday[day]]
        on = rng.random(len(rows)) < P.family_login_p
        t["device_id"][rows[on]] = w.device_names(w.dev[a, day[on]])
        t["ip"][rows[on]] = w.home_ip[a]
    return t


def desk_gps(w: World, roles: Roles, t: Table) -> None:
    """Honest: punches at the same desk by the window; real GPS scatter that grows with the reported accuracy."""
    P = w.dial
    rng = w.rng
    cad = np.array(roles.lookalikes["desk_gps"], dtype=np.int64)
    if not len(cad):
        return
    u = w.cadre_unit[cad]
    dlat, dlon = scatter(rng, w.unit_lat[u], w.unit_lon[u], *DESK_FROM_OFFICE_M)
    where = dict(zip(cad.tolist(), range(len(cad))))
    rows = np.nonzero(np.isin(t["_c"], cad) & np.isin(t["kind"], ["punch_in", "punch_out"]))[0]
    i = np.array([where[c] for c in t["_c"][rows]], dtype=np.int64)
    acc = np.clip(rng.lognormal(np.log(P.desk_accuracy_m), DESK_ACCURACY_SIGMA, len(rows)), *DESK_ACCURACY_RANGE_M)
    lat, lon = rayleigh_offsets(rng, dlat[i], dlon[i], acc / ACCURACY_TO_SIGMA)
    t["lat"][rows], t["lon"][rows] = micro(lat), micro(lon)
    t["accuracy_m"][rows] = np.round(acc * TENTHS).astype(np.int64)
    t["_tag"][rows] = "desk_gps"


def wifi_positioning(w: World, roles: Roles, t: Table) -> None:
    """Honest: indoors the phone takes a Wi-Fi fix that snaps to an access point's stored position."""
    P = w.dial
    rng = w.rng
    cad = np.array(roles.lookalikes["wifi_positioning"], dtype=np.int64)
    if not len(cad):
        return
    u = np.repeat(w.cadre_unit[cad], P.wifi_spots)
    slat, slon = scatter(rng, w.unit_lat[u], w.unit_lon[u], *WIFI_SPOT_FROM_OFFICE_M)
    slat, slon = micro(slat).reshape(len(cad), -1), micro(slon).reshape(len(cad), -1)
    where = dict(zip(cad.tolist(), range(len(cad))))
    rows = np.nonzero(np.isin(t["_c"], cad) & np.isin(t["kind"], ["punch_in", "punch_out"]))[0]
    rows = rows[rng.random(len(rows)) < P.wifi_fix_p]
    i = np.array([where[c] for c in t["_c"][rows]], dtype=np.int64)
    p = np.array(WIFI_SPOT_P[: P.wifi_spots])
    spot = rng.choice(P.wifi_spots, len(rows), p=p / p.sum())
    t["lat"][rows], t["lon"][rows] = slat[i, spot], slon[i, spot]
    t["accuracy_m"][rows] = np.round(rng.uniform(*P.wifi_accuracy_m, len(rows))) * TENTHS  # whole metres
    t["_tag"][rows] = "wifi_fix"


def family_punches(w: World, roles: Roles, t: Table) -> None:
    """Honest, rare: both spouses at work, one phone flat, the other's phone punches for both a minute later."""
    P = w.dial
    rng = w.rng
    if not P.family_punch_days:
        return
    index = first_punches(w, t, [c for pair in roles.family_pairs for c in pair])
    for a, b in roles.family_pairs:
        fa, fb = index[a], index[b]
        days = [d for d in fa if d in fb and t["checkin_at"][fa[d]] <= t["checkin_at"][fb[d]]]
        for d in pick(rng, days, P.family_punch_days):
            r = fb[int(d)]
            t["checkin_at"][r] = t["checkin_at"][fa[int(d)]] + int(rng.integers(*FAMILY_PUNCH_GAP_S))
            t["device_id"][r] = w.device_names(w.dev[a, int(d)])
            t["_tag"][r] = "family_punch"


def photo_backdrop(w: World, roles: Roles, t: Table) -> None:
    """Honest: a new photo every day in front of the same wall; perceptual hashes land near each other."""
    P = w.dial
    rng = w.rng
    cand = np.nonzero(np.isin(t["_c"], roles.lookalikes["photo_backdrop"]) & (t["kind"] == "punch_in"))[0]
    for c in roles.lookalikes["photo_backdrop"]:
        rows = cand[t["_c"][cand] == c]
        base = int(rng.integers(0, 2**HASH_BITS, dtype=np.uint64))
        t["photo_hash"][rows] = [f"{flip_bits(rng, base, *P.backdrop_bits):016x}" for _ in rows]
        t["_tag"][rows] = "backdrop"


def expressway_trips(w: World, roles: Roles, t: Table) -> Table:
    """Honest: a morning trip to a far township by expressway, fast but possible; no other visit that day."""
    P = w.dial
    rng = w.rng
    cad = roles.lookalikes["expressway"]
    if not cad:
        return t
    index = first_punches(w, t, cad)
    src = []
    for c in cad:
        src += [index[c][d] for d in pick(rng, list(index[c]), EXPRESSWAY_DAYS)]
    src = np.array(src, dtype=np.int64)
    n = len(src)
    c, day = t["_c"][src], w.day_of(t["checkin_at"][src])
    dist = rng.uniform(*EXPRESSWAY_M, n)
    leave = t["checkin_at"][src] + rng.integers(*EXPRESSWAY_LEAVE_S, n)
    arrive = leave + np.round(dist / (rng.uniform(*P.expressway_kmh, n) / KMH)).astype(np.int64)
    lat, lon = destination(t["lat"][src] / MICRO, t["lon"][src] / MICRO, dist, rng.uniform(0, 2 * np.pi, n))
    trips = checkin_rows(w, c, arrive, "field_visit", lat, lon, tag="visit")
    # no other visit that day, and the punch out comes hours later: the drive back is slow enough
    key = c * DAY_KEY + day
    mine = np.nonzero(np.isin(t["_c"], cad))[0]
    on_trip = np.isin(t["_c"][mine] * DAY_KEY + w.day_of(t["checkin_at"][mine]), key)
    drop = np.zeros(nrows(t), dtype=bool)
    drop[mine[on_trip & (t["kind"][mine] == "field_visit")]] = True
    outs = mine[on_trip & (t["kind"][mine] == "punch_out")]
    back = dict(zip(key.tolist(), (arrive + EXPRESSWAY_STAY_S).tolist()))
    okey = t["_c"][outs] * DAY_KEY + w.day_of(t["checkin_at"][outs])
    t["checkin_at"][outs] = np.maximum(t["checkin_at"][outs], [back[k] for k in okey.tolist()])
    return concat(take(t, ~drop), trips)


def popular_votes(w: World, roles: Roles) -> list:
    """Honest: popular cadres get many more ordinary votes from residents, spread over each campaign."""
    rng = w.rng
    cad = np.array(roles.lookalikes["popular"], dtype=np.int64)
    if not len(cad):
        return []
    per = rng.integers(*POPULAR_VOTES, (len(cad), len(w.camp_id)))
    target = np.repeat(np.repeat(cad, len(w.camp_id)), per.ravel())
    camp = np.repeat(np.tile(np.arange(len(w.camp_id)), len(cad)), per.ravel())
    n = len(target)
    day = rng.integers(w.camp_first[camp], w.camp_last[camp] + 1)
    return [
        vote_rows(
            w,
            camp,
            public_accounts(w, n),
            target,
            day,
            rng.uniform(*PUBLIC_HOURS, n),
            w.new_devices(n),
            w.mobile_ips[rng.integers(0, len(w.mobile_ips), n)],
            rng.choice(PUBLIC_ACTIONS[0], n, p=PUBLIC_ACTIONS[1]),
        )
    ]


def viral_votes(w: World, roles: Roles) -> list:
    """Honest: a popular cadre's post is shared in residents' groups; many new accounts vote within hours."""
    P = w.dial
    rng = w.rng
    cad = roles.lookalikes["popular"]
    if not P.viral_votes[1] or not cad:
        return []
    camp, target, day, tod = [], [], [], []
    for c in cad:
        k = int(rng.integers(0, len(w.camp_id)))
        n = int(rng.integers(*P.viral_votes))
        span = rng.uniform(*P.viral_span_s)
        start = rng.uniform(VIRAL_HOURS[0], VIRAL_HOURS[1] - span)
        camp.append(np.full(n, k))
        target.append(np.full(n, c))
        day.append(np.full(n, window_days(w, k, 1)[0]))
        tod.append(start + np.sort(rng.uniform(0, span, n)))
    camp, target, day, tod = (np.concatenate(x) for x in (camp, target, day, tod))
    n = len(target)
    dev = w.new_devices(n)
    shared = np.nonzero(rng.random(n) < P.viral_shared_device_p)[0]
    same = np.nonzero(np.isin(target, target[shared]))[0]
    for i in shared:  # the relative's account sits on a phone of the same burst
        peers = same[target[same] == target[i]]
        dev[i] = dev[peers[rng.integers(0, len(peers))]]
    ip = w.mobile_ips[rng.integers(0, len(w.mobile_ips), n)]
    action = rng.choice(VIRAL_ACTIONS[0], n, p=VIRAL_ACTIONS[1])
    return [vote_rows(w, camp, public_accounts(w, n), target, day, tod, dev, ip, action, tag="viral")]


def service_days(w: World, roles: Roles) -> list:
    """Honest: a walk-in service day, many residents helped in a few minutes each, one after another."""
    P = w.dial
    rng = w.rng
    parts = []
    for c in roles.lookalikes["service_day"]:
        days = pick(rng, np.nonzero(w.present[c])[0], P.service_days)
        for d in days:
            k = int(rng.integers(*P.service_cases))
            opened = w.day_epoch[d] + SERVICE_OPENS + np.cumsum(rng.integers(*SERVICE_GAP_S, k))
            dur = rng.integers(*P.service_dur_s, k)
            cases = case_fields(w, np.full(k, c), opened, dur, rng.uniform(*SERVICE_REPLY_SHARE, k) * dur)
            cases["tag"][:] = "service_day"
            parts.append(cases)
    return parts


def report_rows(t: Table):
    """Funds rows and the households row of the same item (honest_reports writes metrics in blocks)."""
    n = nrows(t) // REPORT_METRICS
    assert (t["metric"][:n] == FUNDS_METRIC).all() and (t["metric"][n : 2 * n] == HOUSEHOLDS_METRIC).all()
    return n


def honest_subsidies(w: World, roles: Roles, t: Table) -> Table:
    """Honest: fixed subsidies, a standard amount per recipient household, are round to 50 or 100."""
    P = w.dial
    rng = w.rng
    n = report_rows(t)
    rows = np.nonzero(np.isin(t["_c"][:n], roles.lookalikes["round_subsidy"]))[0]
    rows = rows[rng.random(len(rows)) < P.subsidy_rows_share]
    households = t["value"][n + rows] // CENTS
    recipients = np.maximum(1, np.round(households * rng.uniform(*SUBSIDY_RECIPIENT_SHARE, len(rows)))).astype(np.int64)
    t["value"][rows] = rng.choice(SUBSIDY_STANDARDS, len(rows)) * recipients * CENTS
    t["_tag"][rows] = "subsidy"
    return t


def lookalike_rows(w: World, roles: Roles) -> list[tuple[str, str]]:
    """(kind, cadre_id) for every honest look-alike; planted cadres are never listed."""
    planted = {c for cs in roles.planted.values() for c in cs}
    rows = []
    for kind, pairs in (
        ("carpool", roles.carpool_pairs),
        ("phone_handover", roles.handover_pairs),
        ("family_phone", roles.family_pairs),
    ):
        rows += [(kind, c) for pair in pairs for c in pair]
    for kind in LOOKALIKE_KINDS:
        rows += [(kind, c) for c in roles.lookalikes.get(kind, [])]
    if w.small_units is not None:
        rows += [("small_unit", int(c)) for c in np.nonzero(np.isin(w.cadre_unit, w.small_units))[0]]
    return sorted({(k, w.cadre_id[c]) for k, c in rows if c not in planted})
