"""The evasion dial of the demo generator: padding that hides, honest behaviour that looks like padding.

Level 0 is the textbook form written by `sources.demo` (this module is not used
then). Levels 1-3 plant every flag code the way a padder who knows that a
detector exists would, and make the honest look-alikes harder at the same time.
The strengths come from how padders and phones behave in practice (issue 7,
"What evaders do", and the landing contract), not from any detection rule:

* timing jitter    a script fires within seconds (1) to tens of seconds (3) of its slot
* position noise   a mock-location app adds centimetres (1) to a few metres (3) to its fake spot
* near-copies      a reused photo is re-encoded / cropped: 0-1 (1) to 1-5 (3) hash bits flip per reuse
* spreading        stuffing rotates over more phones, accounts and hours; rings shrink to three
                   and interact less often, through likes and shares as well as votes
* partial fabrication  only part of the figures are invented, rounded to 10 / 50 / 100
* mixing           the padder's real activity stays around the padded part

Honest look-alikes (written to ``_truth/lookalikes.csv``, never to flags.csv):
punctual people who keep a mandated login time by alarm, a fixed desk with real
GPS jitter, Wi-Fi positioning that repeats a place's coordinates, family phones,
popular cadres with viral bursts of honest votes, small units, offices that vote
together behind one IP, honest round subsidies, service days full of quick cases,
photos of the same backdrop, fast expressway trips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sources.demo import (
    ACCURACY_M, APP_IDS, DAY, HOUR, MINUTE, PLANT_SHARE_PER_CODE, PUNCH_JITTER_M, REMOTE_CLAIM_MIN_M,
    SAME_UNIT_VOTE_P, SCRIPT_MIN_DAYS, SCRIPT_TOD, STUDY_APP, TRACE_APP, VILLAGE_SPREAD_M, VOTE_PARTICIPATION,
    GATHERED_UNIT_P, FLAG_CODES, Roles, Table, World, case_fields, checkin_rows, colleague, concat, destination,
    first_punch_rows, haversine_m, hex_strings, make, micro, nrows, pick, scatter, take, vote_rows, window_days,
    make_coordinates_unique,
)


@dataclass(frozen=True)
class Dial:
    """Strength of every evasion family and every honest look-alike at one level."""
    # scripted_login: the script's slot, jitter and habits
    script_jitter_s: float  # login = slot + uniform(-j, +j) seconds
    script_workdays_only: bool  # the script learns to skip weekends and holidays
    script_day_p: float  # share of its days the script runs (phone off, battery...)
    script_slot_move_p: float  # share of scripts whose slot is reset once, by 5-20 min
    script_session_s: tuple  # session length, seconds
    script_mobile_ip_p: float  # sessions on the phone network instead of home Wi-Fi
    # gps_spoof: a mock-location app
    spoof_offset_m: tuple  # random offset added to the fake spot, metres
    spoof_accuracy: str  # "fixed" per phone, "narrow" 3-12 m, or "honest" (the honest 5-30 m range)
    spoof_day_share: float  # share of office days spoofed; the rest are real punches
    spoof_at_office: bool  # fake spot = the office on a map (else a replay of one real fix)
    # photo_reuse
    photo_bits: tuple  # bits flipped per reuse, inclusive range
    photo_days: int  # days one photo is reused by one cadre
    # proxy_checkin
    proxy_days: int
    proxy_gap_s: tuple
    # impossible_travel
    travel_km: tuple
    travel_kmh: tuple  # implied straight-line speed
    # vote_stuffing
    stuff_bursts: int
    stuff_votes: tuple  # votes per burst
    stuff_devices: tuple  # phones per burst, inclusive
    stuff_span_s: tuple  # burst length
    stuff_extra_action_p: float  # a throwaway account also likes / shares
    # vote_ring
    ring_size: tuple
    ring_campaigns: int
    ring_pair_p: float  # each member -> member, per campaign
    ring_actions: tuple  # P(vote, like, share)
    ring_max_actions: int  # distinct actions per pair and campaign
    ring_votes_honestly_too: bool
    # fabricated_report
    invent_share: float  # of the cadre's amounts
    invent_round: dict  # rounding unit (yuan) -> probability
    invent_lead_min: int  # invented first digits are lead_min..9
    invent_pool: int  # invented amounts copied from a pool of this size (0: no copies)
    invent_count_round: int  # households on invented items rounded to this (0: untouched)
    # padded_cases
    bulk_days: int
    bulk_per_day: tuple
    bulk_dur_s: tuple
    bulk_gap_s: tuple
    claim_cases: int
    claim_days: int
    claim_on_visit_days: bool  # the claimer does visit some village that day, and claims others
    # honest look-alikes: shares of cadres (or units) and their strength
    punctual_share: float
    punctual_reaction_s: float  # median seconds from the alarm to the login
    punctual_trace_app: bool  # they open the daily sign-in helper (0 actions) rather than study
    desk_share: float
    desk_accuracy_m: float  # median reported accuracy of the desk's GPS fixes
    wifi_share: float
    wifi_accuracy_m: tuple
    wifi_spots: int  # distinct access-point positions the network fix snaps to
    wifi_fix_p: float  # share of punches fixed by the network rather than GPS
    family_share: float  # pairs of spouses per cadre
    family_punch_days: int  # days one spouse's phone punches for both (both at work)
    family_login_p: float  # weekend study sessions on the spouse's phone
    small_unit_share: float  # of units
    small_unit_size: tuple  # inclusive
    popular_share: float
    viral_votes: tuple  # honest public votes in one viral burst
    viral_span_s: tuple
    viral_shared_device_p: float
    gathered_candidate_p: float  # meeting votes that go to the unit's own candidate
    gathered_span_s: int
    subsidy_share: float
    subsidy_rows_share: float
    service_share: float
    service_cases: tuple
    service_dur_s: tuple
    backdrop_share: float
    backdrop_bits: tuple
    expressway_share: float
    expressway_kmh: tuple


DIALS = {
    1: Dial(
        script_jitter_s=8, script_workdays_only=False, script_day_p=0.9, script_slot_move_p=0.0,
        script_session_s=(20, 90), script_mobile_ip_p=0.0,
        spoof_offset_m=(0.01, 0.3), spoof_accuracy="fixed", spoof_day_share=0.6, spoof_at_office=False,
        photo_bits=(0, 1), photo_days=5,
        proxy_days=5, proxy_gap_s=(3 * MINUTE, 15 * MINUTE),
        travel_km=(60, 250), travel_kmh=(300, 1000),
        stuff_bursts=2, stuff_votes=(20, 36), stuff_devices=(2, 2), stuff_span_s=(30 * MINUTE, 60 * MINUTE),
        stuff_extra_action_p=0.0,
        ring_size=(3, 4), ring_campaigns=4, ring_pair_p=1.0, ring_actions=(0.7, 0.3, 0.0), ring_max_actions=1,
        ring_votes_honestly_too=False,
        invent_share=0.6, invent_round={100: 0.5, 1000: 0.5}, invent_lead_min=5, invent_pool=6,
        invent_count_round=0,
        bulk_days=2, bulk_per_day=(6, 10), bulk_dur_s=(30, 120), bulk_gap_s=(20, 90),
        claim_cases=5, claim_days=3, claim_on_visit_days=False,
        punctual_share=0.02, punctual_reaction_s=120, punctual_trace_app=False,
        desk_share=0.02, desk_accuracy_m=12,
        wifi_share=0.02, wifi_accuracy_m=(60, 150), wifi_spots=1, wifi_fix_p=0.6,
        family_share=0.005, family_punch_days=0, family_login_p=0.3,
        small_unit_share=0.05, small_unit_size=(4, 4),
        popular_share=0.01, viral_votes=(0, 0), viral_span_s=(0, 0), viral_shared_device_p=0.0,
        gathered_candidate_p=0.0, gathered_span_s=20 * MINUTE,
        subsidy_share=0.03, subsidy_rows_share=0.2,
        service_share=0.0, service_cases=(0, 0), service_dur_s=(0, 0),
        backdrop_share=0.0, backdrop_bits=(0, 0),
        expressway_share=0.0, expressway_kmh=(0, 0),
    ),
    2: Dial(
        script_jitter_s=25, script_workdays_only=True, script_day_p=0.9, script_slot_move_p=0.0,
        script_session_s=(30, 180), script_mobile_ip_p=0.3,
        spoof_offset_m=(0.05, 1.5), spoof_accuracy="narrow", spoof_day_share=0.5, spoof_at_office=True,
        photo_bits=(1, 3), photo_days=4,
        proxy_days=4, proxy_gap_s=(5 * MINUTE, 25 * MINUTE),
        travel_km=(30, 120), travel_kmh=(180, 400),
        stuff_bursts=3, stuff_votes=(15, 30), stuff_devices=(3, 4), stuff_span_s=(1 * HOUR, 3 * HOUR),
        stuff_extra_action_p=0.15,
        ring_size=(3, 3), ring_campaigns=3, ring_pair_p=0.8, ring_actions=(0.5, 0.3, 0.2), ring_max_actions=2,
        ring_votes_honestly_too=True,
        invent_share=0.45, invent_round={50: 0.3, 100: 0.7}, invent_lead_min=1, invent_pool=0,
        invent_count_round=10,
        bulk_days=3, bulk_per_day=(4, 8), bulk_dur_s=(20, 150), bulk_gap_s=(60, 240),
        claim_cases=4, claim_days=3, claim_on_visit_days=False,
        punctual_share=0.03, punctual_reaction_s=75, punctual_trace_app=False,
        desk_share=0.03, desk_accuracy_m=7,
        wifi_share=0.03, wifi_accuracy_m=(30, 80), wifi_spots=2, wifi_fix_p=0.7,
        family_share=0.005, family_punch_days=1, family_login_p=0.5,
        small_unit_share=0.08, small_unit_size=(3, 4),
        popular_share=0.01, viral_votes=(25, 50), viral_span_s=(2 * HOUR, 3 * HOUR), viral_shared_device_p=0.05,
        gathered_candidate_p=0.5, gathered_span_s=15 * MINUTE,
        subsidy_share=0.04, subsidy_rows_share=0.3,
        service_share=0.01, service_cases=(8, 12), service_dur_s=(3 * MINUTE, 12 * MINUTE),
        backdrop_share=0.02, backdrop_bits=(10, 20),
        expressway_share=0.01, expressway_kmh=(60, 80),
    ),
    3: Dial(
        script_jitter_s=50, script_workdays_only=True, script_day_p=0.85, script_slot_move_p=0.5,
        script_session_s=(30, 600), script_mobile_ip_p=0.5,
        spoof_offset_m=(0.1, 3.0), spoof_accuracy="honest", spoof_day_share=0.4, spoof_at_office=True,
        photo_bits=(1, 5), photo_days=4,
        proxy_days=3, proxy_gap_s=(8 * MINUTE, 40 * MINUTE),
        travel_km=(20, 60), travel_kmh=(140, 250),
        stuff_bursts=3, stuff_votes=(12, 25), stuff_devices=(4, 6), stuff_span_s=(2 * HOUR, 6 * HOUR),
        stuff_extra_action_p=0.3,
        ring_size=(3, 3), ring_campaigns=3, ring_pair_p=0.6, ring_actions=(0.4, 0.35, 0.25), ring_max_actions=2,
        ring_votes_honestly_too=True,
        invent_share=0.3, invent_round={10: 0.4, 50: 0.3, 100: 0.3}, invent_lead_min=1, invent_pool=0,
        invent_count_round=5,
        bulk_days=5, bulk_per_day=(3, 6), bulk_dur_s=(40, 240), bulk_gap_s=(60, 600),
        claim_cases=4, claim_days=4, claim_on_visit_days=True,
        punctual_share=0.04, punctual_reaction_s=45, punctual_trace_app=True,
        desk_share=0.03, desk_accuracy_m=4,
        wifi_share=0.03, wifi_accuracy_m=(20, 40), wifi_spots=3, wifi_fix_p=0.8,
        family_share=0.01, family_punch_days=2, family_login_p=0.7,
        small_unit_share=0.10, small_unit_size=(3, 3),
        popular_share=0.015, viral_votes=(30, 60), viral_span_s=(45 * MINUTE, 90 * MINUTE),
        viral_shared_device_p=0.15,
        gathered_candidate_p=0.9, gathered_span_s=10 * MINUTE,
        subsidy_share=0.05, subsidy_rows_share=0.4,
        service_share=0.015, service_cases=(10, 15), service_dur_s=(2 * MINUTE, 8 * MINUTE),
        backdrop_share=0.02, backdrop_bits=(7, 16),
        expressway_share=0.015, expressway_kmh=(75, 95),
    ),
}

LOOKALIKE_KINDS = ("punctual", "desk_gps", "wifi_positioning", "round_subsidy", "service_day",
                   "photo_backdrop", "expressway", "popular")
SUBSIDY_STANDARDS = [300, 450, 500, 600, 650, 800, 1000, 1200, 1500, 2000]  # yuan per recipient household
SPOOF_FIXED_ACCURACY = [1.0, 3.0, 5.0, 10.0]  # what mock-location apps report by default


def dial(w: World) -> Dial:
    return DIALS[w.level]


def count(w: World, share: float) -> int:
    return 0 if share <= 0 else max(1, round(w.n_cadres * share))


# ==========================================================================
# World and roles
# ==========================================================================
def small_unit_sizes(rng, sizes: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray]:
    """Some units shrink to 3-4 cadres; their people join the other units. Returns (sizes, small)."""
    P = DIALS[level]
    sizes = sizes.copy()
    n = len(sizes)
    k = min(max(1, round(n * P.small_unit_share)), n - 2)
    small = np.sort(rng.choice(n, k, replace=False))
    target = rng.integers(P.small_unit_size[0], P.small_unit_size[1] + 1, k)
    spare = int((sizes[small] - target).sum())
    sizes[small] = target
    others = np.setdiff1d(np.arange(n), small)
    sizes[others] += rng.multinomial(spare, np.full(len(others), 1 / len(others)))
    return sizes, small


def assign_roles(w: World) -> Roles:
    """Planted cadres, helpers and look-alikes; each cadre gets at most one role."""
    P = dial(w)
    rng = w.rng
    per_code = max(2 if w.n_cadres < 150 else 3, round(w.n_cadres * PLANT_SHARE_PER_CODE * 1.2))
    pool = [int(c) for c in rng.permutation(np.nonzero(w.active)[0])]
    roles = Roles()

    def pair_in_unit() -> tuple[int, int] | None:
        by_unit: dict = {}
        for i in range(len(pool) - 1, -1, -1):
            u = w.cadre_unit[pool[i]]
            if u in by_unit:
                a, b = pool[i], pool[by_unit[u]]
                pool.remove(a)
                pool.remove(b)
                return b, a
            by_unit[u] = i
        return None

    for _ in range(per_code):
        a, b = pair_in_unit()
        roles.proxy_pairs.append((a, b))
        roles.planted["proxy_checkin"].append(b)
    for _ in range(max(2, round(w.n_cadres * 0.01))):
        roles.carpool_pairs.append(pair_in_unit())
    roles.handover_pairs.append(pair_in_unit())
    for _ in range(max(1, round(w.n_cadres * P.family_share))):
        pair = pair_in_unit()
        if pair:
            roles.family_pairs.append(pair)
    members = 0
    while members < max(per_code, P.ring_size[0]):
        size = int(rng.integers(P.ring_size[0], P.ring_size[1] + 1))
        ring = [pool.pop() for _ in range(size)]
        roles.rings.append(ring)
        roles.planted["vote_ring"].extend(ring)
        members += size
    for code in FLAG_CODES:
        if code not in ("proxy_checkin", "vote_ring"):
            roles.planted[code] = [pool.pop() for _ in range(per_code)]
    photo = roles.planted["photo_reuse"]
    roles.photo_variants = [("same_days", [photo[0]]), ("near_same", [photo[1]])]
    rest = photo[2:]
    while len(rest) >= 2:
        roles.photo_variants.append(("shared", rest[:2]))
        rest = rest[2:]
    roles.photo_variants += [("same_days", [c]) for c in rest]
    shares = {"punctual": P.punctual_share, "desk_gps": P.desk_share,
              "wifi_positioning": P.wifi_share, "round_subsidy": P.subsidy_share, "service_day": P.service_share,
              "photo_backdrop": P.backdrop_share, "expressway": P.expressway_share, "popular": P.popular_share}
    for kind in LOOKALIKE_KINDS:
        k = min(count(w, shares[kind]), len(pool))
        roles.lookalikes[kind] = [pool.pop() for _ in range(k)]
    return roles


def settle_family(w: World, roles: Roles) -> None:
    """Spouses share a home line."""
    for a, b in roles.family_pairs:
        w.home_ip[b] = w.home_ip[a]


# ==========================================================================
# app_logins
# ==========================================================================
def plant_scripted_logins(w: World, roles: Roles, t: Table) -> Table:
    """A script logs in near one slot with no actions; jitter, skipped days and a moved slot hide it."""
    P = dial(w)
    rng = w.rng
    rows = []
    drop = np.zeros(nrows(t), dtype=bool)
    own = np.nonzero(np.isin(t["_c"], roles.planted["scripted_login"]) & (t["_tag"] == "mandated_study"))[0]
    own_day = w.day_of(t["login_at"][own])
    for i, c in enumerate(roles.planted["scripted_login"]):
        app = STUDY_APP if i % 2 == 0 else TRACE_APP
        slot = int(rng.integers(*SCRIPT_TOD))
        allowed = w.workday if P.script_workdays_only else np.ones(w.days, dtype=bool)
        days = np.nonzero(allowed & (rng.random(w.days) < P.script_day_p))[0]
        if len(days) < SCRIPT_MIN_DAYS:
            days = np.nonzero(allowed)[0]
        n = len(days)
        slots = np.full(n, slot)
        if rng.random() < P.script_slot_move_p and n >= 6:
            cut = int(rng.integers(n // 3, 2 * n // 3))
            slots[cut:] += int(rng.choice([-1, 1]) * rng.integers(5 * MINUTE, 20 * MINUTE))
        login = w.day_epoch[days] + slots + np.round(rng.uniform(-P.script_jitter_s, P.script_jitter_s, n)).astype(np.int64)
        mobile = rng.random(n) < P.script_mobile_ip_p
        ip = np.where(mobile, w.mobile_ips[rng.integers(0, len(w.mobile_ips), n)], w.home_ip[c])
        rows.append(make("app_logins", n, _c=c, _tag="scripted", cadre_id=w.cadre_id[c], app_id=APP_IDS[app],
                         device_id=w.device_names(w.dev[c, days]), ip=ip, login_at=login,
                         logout_at=login + rng.integers(*P.script_session_s, n), actions=0))
        if app == STUDY_APP:  # on the days it runs, the script does the cadre's study login
            drop[own[(t["_c"][own] == c) & np.isin(own_day, days)]] = True
    return concat(take(t, ~drop), *rows)


def punctual_logins(w: World, roles: Roles, t: Table) -> Table:
    """People who keep the mandated time by alarm: the alarm is a fixed minute, the reaction is human."""
    P = dial(w)
    rng = w.rng
    cad = np.array(roles.lookalikes["punctual"], dtype=np.int64)
    rows = np.nonzero(np.isin(t["_c"], cad) & (t["_tag"] == "mandated_study"))[0]
    if not len(rows):
        return t
    n = len(rows)
    alarm = dict(zip(cad.tolist(), (7 * HOUR + 45 * MINUTE + rng.integers(0, 15, len(cad)) * MINUTE).tolist()))
    c = t["_c"][rows]
    day = w.day_of(t["login_at"][rows])
    reaction = rng.lognormal(np.log(P.punctual_reaction_s), 0.8, n)
    reaction += np.where(rng.random(n) < 0.1, rng.uniform(3 * MINUTE, 15 * MINUTE, n), 0)  # snoozed, busy
    login = w.day_epoch[day] + np.array([alarm[x] for x in c]) + np.round(reaction).astype(np.int64)
    shift = login - t["login_at"][rows]
    t["login_at"][rows] = login
    has_out = t["logout_at"][rows] != np.iinfo(np.int64).min
    t["logout_at"][rows[has_out]] += shift[has_out]
    if P.punctual_trace_app:  # the daily sign-in helper: open, get the point, close
        t["app_id"][rows] = APP_IDS[TRACE_APP]
        t["actions"][rows] = np.where(rng.random(n) < 0.97, 0, 1)
        t["logout_at"][rows[has_out]] = login[has_out] + rng.integers(15, 90, has_out.sum())
    t["_tag"][rows] = "punctual"
    return t


def family_logins(w: World, roles: Roles, t: Table) -> Table:
    """On weekends a spouse does the study session on the other's phone."""
    P = dial(w)
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


def logins(w: World, roles: Roles, t: Table) -> Table:
    return family_logins(w, roles, punctual_logins(w, roles, plant_scripted_logins(w, roles, t)))


# ==========================================================================
# checkins
# ==========================================================================
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


def rayleigh_offsets(rng, lat, lon, sigma_m):
    """A real fix: per-axis normal error of sigma metres around the true point."""
    n = len(lat)
    r = sigma_m * np.sqrt(-2 * np.log(1 - rng.random(n)))
    return destination(lat, lon, r, rng.uniform(0, 2 * np.pi, n))


def plant_proxy_checkins(w: World, roles: Roles, t: Table) -> Table:
    """A's phone punches in for B, further after A's own punch and on fewer days as the dial goes up."""
    P = dial(w)
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
        r = checkin_rows(w, np.full(len(days), b), ts, "punch_in",
                         *scatter(rng, w.unit_lat[unit], w.unit_lon[unit], *PUNCH_JITTER_M), tag="proxy")
        r["device_id"] = w.device_names(w.dev[a, days])
        rows.append(r)
    t = concat(take(t, ~drop), *rows)
    make_coordinates_unique(t, rng)
    return t


def plant_impossible_travel(w: World, roles: Roles, t: Table) -> Table:
    """A check-in far from the cadre's punch, at a straight-line speed no road allows (slower as the dial goes up)."""
    P = dial(w)
    rng = w.rng
    rows = []
    index = first_punches(w, t, roles.planted["impossible_travel"])
    for c in roles.planted["impossible_travel"]:
        firsts = index[c]
        days = pick(rng, list(firsts), 2)
        src = np.array([firsts[d] for d in days])
        n = len(src)
        dist = rng.uniform(*P.travel_km, n) * 1000
        speed = rng.uniform(*P.travel_kmh, n) / 3.6
        lat, lon = destination(t["lat"][src] / 1e6, t["lon"][src] / 1e6, dist, rng.uniform(0, 2 * np.pi, n))
        ts = t["checkin_at"][src] + np.round(dist / speed).astype(np.int64)
        rows.append(checkin_rows(w, np.full(n, c), ts, "field_visit", lat, lon, tag="impossible"))
    return concat(t, *rows)


def flip_bits(rng, base: int, lo: int, hi: int) -> int:
    k = int(rng.integers(lo, hi + 1))
    return base ^ sum(1 << int(b) for b in rng.choice(64, k, replace=False)) if k else base


def plant_photo_reuse(w: World, roles: Roles, t: Table) -> Table:
    """One photo reused across days or cadres; each reuse a re-encoded / cropped copy a few bits away."""
    P = dial(w)
    rng = w.rng
    lo, hi = P.photo_bits
    index = first_punches(w, t, roles.planted["photo_reuse"])
    for variant, cadres in roles.photo_variants:
        base = int(rng.integers(0, 2**64, dtype=np.uint64))
        if variant == "shared":
            rows = [r for c in cadres for r in pick(rng, list(index[c].values()), 2)]
        else:
            rows = list(pick(rng, list(index[cadres[0]].values()), P.photo_days))
        hashes = [base] + [flip_bits(rng, base, lo, hi) for _ in rows[1:]]
        t["photo_hash"][rows] = [f"{h:016x}" for h in hashes]
        t["_tag"][rows] = "photo_reuse"
    return t


def plant_gps_spoof(w: World, roles: Roles, t: Table) -> Table:
    """A mock-location app: one fake spot plus a small random offset, with plausible accuracy figures."""
    P = dial(w)
    rng = w.rng
    index = first_punches(w, t, roles.planted["gps_spoof"])
    cand = np.nonzero(np.isin(t["_c"], roles.planted["gps_spoof"]) & np.isin(t["kind"], ["punch_in", "punch_out"]))[0]
    cand_day = w.day_of(t["checkin_at"][cand])
    for c in roles.planted["gps_spoof"]:
        firsts = index[c]
        k = max(5, round(P.spoof_day_share * len(firsts)))
        days = pick(rng, list(firsts), k)
        rows = cand[(t["_c"][cand] == c) & np.isin(cand_day, days)]
        n = len(rows)
        if P.spoof_at_office:
            u = w.cadre_unit[c]
            lat0, lon0 = scatter(rng, w.unit_lat[u:u + 1], w.unit_lon[u:u + 1], 3, 15)
        else:
            a = firsts[int(days[0])]
            lat0, lon0 = np.array([t["lat"][a] / 1e6]), np.array([t["lon"][a] / 1e6])
        lat, lon = scatter(rng, np.full(n, lat0[0]), np.full(n, lon0[0]), *P.spoof_offset_m)
        t["lat"][rows], t["lon"][rows] = micro(lat), micro(lon)
        if P.spoof_accuracy == "fixed":
            acc = np.full(n, float(rng.choice(SPOOF_FIXED_ACCURACY)))
        elif P.spoof_accuracy == "narrow":
            acc = rng.uniform(3, 12, n)
        else:
            acc = rng.uniform(*ACCURACY_M, n)
        t["accuracy_m"][rows] = np.round(acc * 10).astype(np.int64)
        t["_tag"][rows] = "gps_spoof"
    return t


def desk_gps(w: World, roles: Roles, t: Table) -> None:
    """Honest: punches at the same desk by the window; real GPS scatter that grows with the reported accuracy."""
    P = dial(w)
    rng = w.rng
    cad = np.array(roles.lookalikes["desk_gps"], dtype=np.int64)
    if not len(cad):
        return
    u = w.cadre_unit[cad]
    dlat, dlon = scatter(rng, w.unit_lat[u], w.unit_lon[u], 3, 15)
    where = dict(zip(cad.tolist(), range(len(cad))))
    rows = np.nonzero(np.isin(t["_c"], cad) & np.isin(t["kind"], ["punch_in", "punch_out"]))[0]
    i = np.array([where[c] for c in t["_c"][rows]], dtype=np.int64)
    acc = np.clip(rng.lognormal(np.log(P.desk_accuracy_m), 0.35, len(rows)), 2.0, 40.0)
    lat, lon = rayleigh_offsets(rng, dlat[i], dlon[i], acc / 1.51)  # accuracy = 68 % radius
    t["lat"][rows], t["lon"][rows] = micro(lat), micro(lon)
    t["accuracy_m"][rows] = np.round(acc * 10).astype(np.int64)
    t["_tag"][rows] = "desk_gps"


def wifi_positioning(w: World, roles: Roles, t: Table) -> None:
    """Honest: indoors the phone takes a Wi-Fi fix that snaps to an access point's stored position."""
    P = dial(w)
    rng = w.rng
    cad = np.array(roles.lookalikes["wifi_positioning"], dtype=np.int64)
    if not len(cad):
        return
    u = np.repeat(w.cadre_unit[cad], P.wifi_spots)
    slat, slon = scatter(rng, w.unit_lat[u], w.unit_lon[u], 10, 60)
    slat, slon = micro(slat).reshape(len(cad), -1), micro(slon).reshape(len(cad), -1)
    where = dict(zip(cad.tolist(), range(len(cad))))
    rows = np.nonzero(np.isin(t["_c"], cad) & np.isin(t["kind"], ["punch_in", "punch_out"]))[0]
    rows = rows[rng.random(len(rows)) < P.wifi_fix_p]
    i = np.array([where[c] for c in t["_c"][rows]], dtype=np.int64)
    p = np.array([0.7, 0.2, 0.1][:P.wifi_spots])
    spot = rng.choice(P.wifi_spots, len(rows), p=p / p.sum())
    t["lat"][rows], t["lon"][rows] = slat[i, spot], slon[i, spot]
    t["accuracy_m"][rows] = np.round(rng.uniform(*P.wifi_accuracy_m, len(rows))) * 10  # whole metres
    t["_tag"][rows] = "wifi_fix"


def family_punches(w: World, roles: Roles, t: Table) -> None:
    """Honest, rare: both spouses at work, one phone flat, the other's phone punches for both a minute later."""
    P = dial(w)
    rng = w.rng
    if not P.family_punch_days:
        return
    index = first_punches(w, t, [c for pair in roles.family_pairs for c in pair])
    for a, b in roles.family_pairs:
        fa, fb = index[a], index[b]
        days = [d for d in fa if d in fb and t["checkin_at"][fa[d]] <= t["checkin_at"][fb[d]]]
        for d in pick(rng, days, P.family_punch_days):
            r = fb[int(d)]
            t["checkin_at"][r] = t["checkin_at"][fa[int(d)]] + int(rng.integers(20, 150))
            t["device_id"][r] = w.device_names(w.dev[a, int(d)])
            t["_tag"][r] = "family_punch"


def photo_backdrop(w: World, roles: Roles, t: Table) -> None:
    """Honest: a new photo every day in front of the same wall; perceptual hashes land near each other."""
    P = dial(w)
    rng = w.rng
    cand = np.nonzero(np.isin(t["_c"], roles.lookalikes["photo_backdrop"]) & (t["kind"] == "punch_in"))[0]
    for c in roles.lookalikes["photo_backdrop"]:
        rows = cand[t["_c"][cand] == c]
        base = int(rng.integers(0, 2**64, dtype=np.uint64))
        t["photo_hash"][rows] = [f"{flip_bits(rng, base, *P.backdrop_bits):016x}" for _ in rows]
        t["_tag"][rows] = "backdrop"


def expressway_trips(w: World, roles: Roles, t: Table) -> Table:
    """Honest: a morning trip to a far township by expressway, fast but possible; no other visit that day."""
    P = dial(w)
    rng = w.rng
    cad = roles.lookalikes["expressway"]
    if not cad:
        return t
    index = first_punches(w, t, cad)
    src = []
    for c in cad:
        src += [index[c][d] for d in pick(rng, list(index[c]), 2)]
    src = np.array(src, dtype=np.int64)
    n = len(src)
    c, day = t["_c"][src], w.day_of(t["checkin_at"][src])
    dist = rng.uniform(20_000, 45_000, n)
    leave = t["checkin_at"][src] + rng.integers(10 * MINUTE, 30 * MINUTE, n)
    arrive = leave + np.round(dist / (rng.uniform(*P.expressway_kmh, n) / 3.6)).astype(np.int64)
    lat, lon = destination(t["lat"][src] / 1e6, t["lon"][src] / 1e6, dist, rng.uniform(0, 2 * np.pi, n))
    trips = checkin_rows(w, c, arrive, "field_visit", lat, lon, tag="visit")
    # no other visit that day, and the punch out comes hours later: the drive back is slow enough
    key = c * 100_000 + day
    mine = np.nonzero(np.isin(t["_c"], cad))[0]
    on_trip = np.isin(t["_c"][mine] * 100_000 + w.day_of(t["checkin_at"][mine]), key)
    drop = np.zeros(nrows(t), dtype=bool)
    drop[mine[on_trip & (t["kind"][mine] == "field_visit")]] = True
    outs = mine[on_trip & (t["kind"][mine] == "punch_out")]
    back = dict(zip(key.tolist(), (arrive + 3 * HOUR).tolist()))
    okey = t["_c"][outs] * 100_000 + w.day_of(t["checkin_at"][outs])
    t["checkin_at"][outs] = np.maximum(t["checkin_at"][outs], [back[k] for k in okey.tolist()])
    return concat(take(t, ~drop), trips)


def keep_claimers_at_desk(w: World, roles: Roles, t: Table) -> Table:
    """Claimers without visits: at levels 1-2 they stay in the office; at 3 they visit one village and claim others."""
    P = dial(w)
    rng = w.rng
    drop = np.zeros(nrows(t), dtype=bool)
    visits = np.nonzero(np.isin(t["_c"], roles.planted["padded_cases"][1::2]) & (t["kind"] == "field_visit"))[0]
    visit_day = w.day_of(t["checkin_at"][visits])
    for c in roles.planted["padded_cases"][1::2]:
        days = pick(rng, np.nonzero(w.present[c])[0], P.claim_days)
        roles.desk_days[c] = days
        if not P.claim_on_visit_days:
            drop[visits[(t["_c"][visits] == c) & np.isin(visit_day, days)]] = True
    return take(t, ~drop)


def checkins(w: World, roles: Roles, t: Table) -> Table:
    t = plant_proxy_checkins(w, roles, t)
    t = plant_impossible_travel(w, roles, t)
    t = plant_photo_reuse(w, roles, t)
    t = plant_gps_spoof(w, roles, t)
    desk_gps(w, roles, t)
    wifi_positioning(w, roles, t)
    family_punches(w, roles, t)
    photo_backdrop(w, roles, t)
    t = expressway_trips(w, roles, t)
    return keep_claimers_at_desk(w, roles, t)


# ==========================================================================
# votes
# ==========================================================================
def cadre_votes(w: World, roles: Roles) -> Table:
    """Cadres vote for colleagues; meeting units put a unit candidate forward; spouses share a phone."""
    P = dial(w)
    rng = w.rng
    ring_members = set() if P.ring_votes_honestly_too else {c for ring in roles.rings for c in ring}
    spouse = {b: a for a, b in roles.family_pairs}
    parts = []
    for k in range(len(w.camp_id)):
        mand = bool(w.camp_mandatory[k])
        voters = np.nonzero(w.active & (rng.random(w.n_cadres) < VOTE_PARTICIPATION[mand]))[0]
        voters = np.array([v for v in voters if v not in ring_members], dtype=np.int64)
        v = np.repeat(voters, rng.integers(1, 4, len(voters)))
        anyone = rng.integers(0, w.n_cadres - 1, len(v))
        anyone = np.where(anyone >= v, anyone + 1, anyone)
        target = np.where(rng.random(len(v)) < SAME_UNIT_VOTE_P, colleague(w, v), anyone)
        unit = w.cadre_unit[v]
        if mand:
            gathered = rng.random(len(w.unit_id)) < GATHERED_UNIT_P
            candidate = w.unit_first + (rng.random(len(w.unit_id)) * w.unit_size).astype(int)
            g = gathered[unit]
            to_cand = g & (rng.random(len(v)) < P.gathered_candidate_p) & (candidate[unit] != v)
            target = np.where(to_cand, candidate[unit], target)
        v, target = np.unique(np.stack([v, target]), axis=1)
        n = len(v)
        unit = w.cadre_unit[v]
        day = window_days(w, k, n)
        tod = np.where(rng.random(n) < 0.8, rng.uniform(8.5 * HOUR, 17.5 * HOUR, n), rng.uniform(19 * HOUR, 22.5 * HOUR, n))
        ip = np.where((tod < 18 * HOUR) & w.workday[day], w.unit_ips[unit, 0], w.home_ip[v])
        if mand:  # office NAT: a unit votes together in a meeting, each on own phone
            g = gathered[unit]
            meet_day = window_days(w, k, len(w.unit_id))
            meet_tod = rng.uniform(9 * HOUR, 16 * HOUR, len(w.unit_id))
            day = np.where(g, meet_day[unit], day)
            tod = np.where(g, meet_tod[unit] + rng.uniform(0, P.gathered_span_s, n), tod)
            ip = np.where(g, w.unit_ips[unit, 0], ip)
        action = rng.choice(["vote", "like", "share"], n, p=[0.85, 0.10, 0.05])
        dev = w.dev[v, day]
        at_home = ip == w.home_ip[v]
        for b, a in spouse.items():  # at home, one spouse votes on the other's phone
            m = (v == b) & at_home
            dev[m] = w.dev[a, day[m]]
        parts.append(vote_rows(w, np.full(n, k), w.cadre_id[v], target, day, tod, dev, ip, action))
    return concat(*parts)


def viral_votes(w: World, roles: Roles) -> list:
    """Honest: a popular cadre's post is shared in residents' groups; many new accounts vote within hours."""
    P = dial(w)
    rng = w.rng
    cad = roles.lookalikes["popular"]
    if not P.viral_votes[1] or not cad:
        return []
    camp, target, day, tod = [], [], [], []
    for c in cad:
        k = int(rng.integers(0, len(w.camp_id)))
        n = int(rng.integers(*P.viral_votes))
        span = rng.uniform(*P.viral_span_s)
        start = rng.uniform(8 * HOUR, 22 * HOUR - span)
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
    action = rng.choice(["vote", "like", "share"], n, p=[0.7, 0.2, 0.1])
    return [vote_rows(w, camp, hex_strings(rng, n, 8, "P"), target, day, tod, dev, ip, action, tag="viral")]


def popular_votes(w: World, roles: Roles) -> list:
    """Honest: popular cadres get many more ordinary votes from residents, spread over each campaign."""
    rng = w.rng
    cad = np.array(roles.lookalikes["popular"], dtype=np.int64)
    if not len(cad):
        return []
    per = rng.integers(15, 40, (len(cad), len(w.camp_id)))
    target = np.repeat(np.repeat(cad, len(w.camp_id)), per.ravel())
    camp = np.repeat(np.tile(np.arange(len(w.camp_id)), len(cad)), per.ravel())
    n = len(target)
    day = rng.integers(w.camp_first[camp], w.camp_last[camp] + 1)
    return [vote_rows(w, camp, hex_strings(rng, n, 8, "P"), target, day, rng.uniform(7 * HOUR, 23 * HOUR, n),
                      w.new_devices(n), w.mobile_ips[rng.integers(0, len(w.mobile_ips), n)],
                      rng.choice(["vote", "like", "share"], n, p=[0.6, 0.25, 0.15]))]


def plant_vote_stuffing(w: World, roles: Roles) -> list:
    """Throwaway accounts vote for one cadre in bursts, rotated over a few phones and a longer window."""
    P = dial(w)
    rng = w.rng
    parts = []
    pool = w.new_devices(P.stuff_devices[1] * len(roles.planted["vote_stuffing"]))
    for i, target in enumerate(roles.planted["vote_stuffing"]):
        phones = pool[i * P.stuff_devices[1]:(i + 1) * P.stuff_devices[1]]
        phone_ip = w.mobile_ips[rng.integers(0, len(w.mobile_ips), len(phones))]
        for k in pick(rng, np.arange(len(w.camp_id)), P.stuff_bursts):
            n = int(rng.integers(*P.stuff_votes))
            span = rng.uniform(*P.stuff_span_s)
            start = rng.uniform(max(8 * HOUR, 18 * HOUR - span), 24 * HOUR - span - 5 * MINUTE)
            tod = start + np.sort(rng.uniform(0, span, n))
            day = np.full(n, window_days(w, k, 1)[0])
            nd = int(rng.integers(P.stuff_devices[0], P.stuff_devices[1] + 1))
            which = rng.integers(0, nd, n)
            ip = np.where(rng.random(n) < 0.5, phone_ip[which], w.mobile_ips[rng.integers(0, len(w.mobile_ips), n)]) \
                if w.level >= 3 else phone_ip[which]
            acc = hex_strings(rng, n, 8, "P")
            parts.append(vote_rows(w, np.full(n, k), acc, np.full(n, target), day, tod, phones[which], ip,
                                   "vote", tag="stuffing"))
            extra = rng.random(n) < P.stuff_extra_action_p
            m = int(extra.sum())
            if m:
                parts.append(vote_rows(w, np.full(m, k), acc[extra], np.full(m, target), day[extra],
                                       np.minimum(tod[extra] + rng.uniform(5, 60, m), DAY - 1),
                                       phones[which[extra]], ip[extra], rng.choice(["like", "share"], m),
                                       tag="stuffing"))
    return parts


def plant_vote_rings(w: World, roles: Roles) -> list:
    """Members of a small closed group vote for, like and share each other, not every time."""
    P = dial(w)
    rng = w.rng
    parts = []
    actions = np.array(["vote", "like", "share"], dtype=object)
    for ring in roles.rings:
        for k in pick(rng, np.arange(len(w.camp_id)), P.ring_campaigns):
            voter, target, action = [], [], []
            for a in ring:
                for b in ring:
                    if a == b or rng.random() >= P.ring_pair_p:
                        continue
                    m = int(rng.integers(1, P.ring_max_actions + 1))
                    for act in rng.choice(actions, m, replace=False, p=np.array(P.ring_actions)):
                        voter.append(a)
                        target.append(b)
                        action.append(act)
            n = len(voter)
            if not n:
                continue
            voter, target = np.array(voter), np.array(target)
            day = window_days(w, k, n)
            tod = rng.uniform(8.5 * HOUR, 21 * HOUR, n)
            ip = np.where((tod < 18 * HOUR) & w.workday[day], w.unit_ips[w.cadre_unit[voter], 0], w.home_ip[voter])
            parts.append(vote_rows(w, np.full(n, k), w.cadre_id[voter], target, day, tod,
                                   w.dev[voter, day], ip, np.array(action, dtype=object), tag="ring"))
    return parts


def votes(w: World, roles: Roles, public: Table) -> Table:
    return concat(cadre_votes(w, roles), public, *popular_votes(w, roles), *viral_votes(w, roles),
                  *plant_vote_stuffing(w, roles), *plant_vote_rings(w, roles))


# ==========================================================================
# cases
# ==========================================================================
def bulk_cases(w: World, c: int) -> dict:
    """Batches of cases opened and closed quickly, fewer per day and on more days as the dial goes up."""
    P = dial(w)
    rng = w.rng
    cs, opened, dur = [], [], []
    for d in pick(rng, np.nonzero(w.present[c])[0], P.bulk_days):
        k = int(rng.integers(*P.bulk_per_day))
        t0 = w.day_epoch[d] + rng.integers(9 * HOUR, 16 * HOUR)
        opened.append(t0 + np.cumsum(rng.integers(*P.bulk_gap_s, k)))
        dur.append(rng.integers(*P.bulk_dur_s, k))
        cs.append(np.full(k, c))
    dur = np.concatenate(dur)
    cases = case_fields(w, np.concatenate(cs), np.concatenate(opened), dur, np.maximum(1, dur * 0.5),
                        status=np.full(len(dur), "resolved"))
    cases["tag"][:] = "bulk"
    return cases


def claimed_without_visit(w: World, c: int, days: np.ndarray, checkins: Table) -> dict:
    """Field visits claimed at villages the cadre did not go to that day."""
    P = dial(w)
    rng = w.rng
    days = np.sort(rng.choice(days, P.claim_cases, replace=len(days) < P.claim_cases))
    first, n_vil = w.unit_vil_start[w.cadre_unit[c]], w.unit_vil_count[w.cadre_unit[c]]
    vils = np.arange(first, first + n_vil)
    mine = np.nonzero(checkins["_c"] == c)[0]
    cday = w.day_of(checkins["checkin_at"][mine])
    vil = []
    for d in days:
        on = mine[cday == d]
        lat, lon = checkins["lat"][on] / 1e6, checkins["lon"][on] / 1e6
        near = np.array([haversine_m(lat, lon, w.vil_lat[v], w.vil_lon[v]).min() if len(lat) else np.inf
                         for v in vils])
        ok = vils[(near >= 1_500 + VILLAGE_SPREAD_M) & (w.vil_dist[vils] >= REMOTE_CLAIM_MIN_M)]
        vil.append(int(rng.choice(ok)) if len(ok) else int(vils[np.argmax(near)]))
    lat, lon = scatter(rng, w.vil_lat[vil], w.vil_lon[vil], 0, VILLAGE_SPREAD_M)
    opened = w.day_epoch[days] + rng.integers(int(8.5 * HOUR), 12 * HOUR, len(days))
    dur = rng.integers(1 * HOUR, 4 * HOUR, len(days))
    cases = case_fields(w, np.full(len(days), c), opened, dur, dur * 0.3, claimed=1,
                        lat=micro(lat), lon=micro(lon), status=np.full(len(days), "resolved"))
    cases["tag"][:] = "claimed_no_visit"
    return cases


def service_days(w: World, roles: Roles) -> list:
    """Honest: a walk-in service day, many residents helped in a few minutes each, one after another."""
    P = dial(w)
    rng = w.rng
    parts = []
    for c in roles.lookalikes["service_day"]:
        days = pick(rng, np.nonzero(w.present[c])[0], 1 if w.level < 3 else 2)
        for d in days:
            k = int(rng.integers(*P.service_cases))
            opened = w.day_epoch[d] + 9 * HOUR + np.cumsum(rng.integers(5 * MINUTE, 20 * MINUTE, k))
            dur = rng.integers(*P.service_dur_s, k)
            cases = case_fields(w, np.full(k, c), opened, dur, rng.uniform(0.2, 0.8, k) * dur)
            cases["tag"][:] = "service_day"
            parts.append(cases)
    return parts


def padded_cases(w: World, roles: Roles, checkins: Table) -> list:
    return [bulk_cases(w, c) if i % 2 == 0 else claimed_without_visit(w, c, roles.desk_days[c], checkins)
            for i, c in enumerate(roles.planted["padded_cases"])] + service_days(w, roles)


# ==========================================================================
# reports
# ==========================================================================
def report_rows(t: Table):
    """Funds rows and the households row of the same item (honest_reports writes metrics in blocks)."""
    n = nrows(t) // 4
    assert (t["metric"][:n] == "funds_disbursed_yuan").all() and (t["metric"][n:2 * n] == "households_visited").all()
    return n


def honest_subsidies(w: World, roles: Roles, t: Table) -> Table:
    """Honest: fixed subsidies, a standard amount per recipient household, are round to 50 or 100."""
    P = dial(w)
    rng = w.rng
    n = report_rows(t)
    rows = np.nonzero(np.isin(t["_c"][:n], roles.lookalikes["round_subsidy"]))[0]
    rows = rows[rng.random(len(rows)) < P.subsidy_rows_share]
    households = t["value"][n + rows] // 100
    recipients = np.maximum(1, np.round(households * rng.uniform(0.05, 0.4, len(rows)))).astype(np.int64)
    t["value"][rows] = rng.choice(SUBSIDY_STANDARDS, len(rows)) * recipients * 100
    t["_tag"][rows] = "subsidy"
    return t


def invented_amounts(rng, P: Dial, k: int) -> np.ndarray:
    """Amounts a person makes up (yuan): a first digit, a magnitude like the real ones, then rounded."""
    lead = rng.integers(P.invent_lead_min, 10, k)
    exp = rng.integers(3, 6, k)  # thousands to hundreds of thousands
    raw = (lead + rng.random(k)) * 10.0 ** exp
    unit = rng.choice(list(P.invent_round), k, p=list(P.invent_round.values()))
    return np.maximum(unit, np.round(raw / unit) * unit).astype(np.int64)


def plant_fabricated_reports(w: World, roles: Roles, t: Table) -> Table:
    """Part of the amounts invented (rounded), the rest real; households on invented items rounded too."""
    P = dial(w)
    rng = w.rng
    n = report_rows(t)
    for c in roles.planted["fabricated_report"]:
        rows = np.nonzero(t["_c"][:n] == c)[0]
        k = max(3, round(P.invent_share * len(rows)))
        rows = np.sort(rng.choice(rows, min(k, len(rows)), replace=False))
        if P.invent_pool:
            values = rng.choice(invented_amounts(rng, P, P.invent_pool), len(rows))
        else:
            values = invented_amounts(rng, P, len(rows))
        t["value"][rows] = values * 100
        t["_tag"][rows] = "fabricated"
        if P.invent_count_round:
            r = P.invent_count_round
            hh = t["value"][n + rows] // 100
            t["value"][n + rows] = np.maximum(r, np.round(hh / r) * r).astype(np.int64) * 100
    return t


def reports(w: World, roles: Roles, t: Table) -> Table:
    return plant_fabricated_reports(w, roles, honest_subsidies(w, roles, t))


# ==========================================================================
# Truth
# ==========================================================================
def lookalike_rows(w: World, roles: Roles) -> list[tuple[str, str]]:
    """(kind, cadre_id) for every honest look-alike; planted cadres are never listed."""
    planted = {c for cs in roles.planted.values() for c in cs}
    rows = []
    for kind, pairs in (("carpool", roles.carpool_pairs), ("phone_handover", roles.handover_pairs),
                        ("family_phone", roles.family_pairs)):
        rows += [(kind, c) for pair in pairs for c in pair]
    for kind in LOOKALIKE_KINDS:
        rows += [(kind, c) for c in roles.lookalikes.get(kind, [])]
    if w.small_units is not None:
        rows += [("small_unit", int(c)) for c in np.nonzero(np.isin(w.cadre_unit, w.small_units))[0]]
    return sorted({(k, w.cadre_id[c]) for k, c in rows if c not in planted})
