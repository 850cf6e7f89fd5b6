"""Honest votes: cadres vote for colleagues (some units together in a meeting), residents for popular cadres."""

from __future__ import annotations

import numpy as np

from demo.clock import HOUR
from demo.draw import hex_strings
from demo.schema import Table, concat, make
from demo.world import World

VOTE_PARTICIPATION = {True: 0.95, False: 0.40}  # mandatory / optional campaigns
VOTES_PER_VOTER = (1, 4)  # numpy bounds
SAME_UNIT_VOTE_P = 0.8  # cadres mostly vote for colleagues they know
GATHERED_UNIT_P = 0.5  # units that vote together in a meeting: office NAT look-alike
MEETING_HOURS = (9 * HOUR, 16 * HOUR)
DAYTIME_VOTE_P = 0.8
DAYTIME_HOURS, EVENING_HOURS = (8.5 * HOUR, 17.5 * HOUR), (19 * HOUR, 22.5 * HOUR)
OFFICE_CLOSES = 18 * HOUR  # a working-day vote before this goes through the office NAT
CADRE_ACTIONS = (["vote", "like", "share"], [0.85, 0.10, 0.05])
PUBLIC_ACCOUNTS_PER_CADRE = 4
PUBLIC_VOTES_PER_CADRE_PER_CAMPAIGN = 3
PUBLIC_ACCOUNT_CHARS = 8
FAMILY_DEVICE_P = 0.05  # public accounts sharing a phone with a relative
PUBLIC_HOURS = (7 * HOUR, 23 * HOUR)
PUBLIC_ACTIONS = (["vote", "like", "share"], [0.6, 0.25, 0.15])


def vote_rows(w: World, camp, voter, target, day, tod, dev, ip, action, tag=None) -> Table:
    n = len(voter)
    return make(
        "votes",
        n,
        _c=target,
        _tag=tag,
        campaign_id=w.camp_id[camp],
        voter_id=voter,
        target_id=w.cadre_id[target],
        action=action,
        voted_at=w.day_epoch[day] + np.round(tod).astype(np.int64),
        device_id=w.device_names(dev),
        ip=ip,
    )


def window_days(w: World, k: int, n: int) -> np.ndarray:
    """`n` days inside campaign `k`'s voting window."""
    return w.rng.integers(w.camp_first[k], w.camp_last[k] + 1, n)


def public_accounts(w: World, n: int) -> np.ndarray:
    """`n` fresh residents' account ids."""
    return hex_strings(w.rng, n, PUBLIC_ACCOUNT_CHARS, "P")


def colleague(w: World, c: np.ndarray) -> np.ndarray:
    """A random other cadre of the same unit."""
    unit = w.cadre_unit[c]
    r = (w.rng.random(len(c)) * (w.unit_size[unit] - 1)).astype(int)
    idx = w.unit_first[unit] + r
    return np.where(idx >= c, idx + 1, idx)


def cadre_votes(w: World, rings: list, family_pairs: list) -> Table:
    """Cadres vote for colleagues; meeting units vote together (at levels 2-3 for a unit candidate);
    at home one spouse votes on the other's phone."""
    P = w.dial
    rng = w.rng
    ring_members = set() if P.ring_votes_honestly_too else {c for ring in rings for c in ring}
    spouse = {b: a for a, b in family_pairs}
    n_units = len(w.unit_id)
    parts = []
    for k in range(len(w.camp_id)):
        mand = bool(w.camp_mandatory[k])
        voters = np.nonzero(w.active & (rng.random(w.n_cadres) < VOTE_PARTICIPATION[mand]))[0]
        voters = np.array([v for v in voters if v not in ring_members], dtype=np.int64)
        v = np.repeat(voters, rng.integers(*VOTES_PER_VOTER, len(voters)))
        anyone = rng.integers(0, w.n_cadres - 1, len(v))
        anyone = np.where(anyone >= v, anyone + 1, anyone)
        target = np.where(rng.random(len(v)) < SAME_UNIT_VOTE_P, colleague(w, v), anyone)
        gathered = None
        if mand and P.gathered_candidate_p is not None:  # a meeting puts the unit's candidate forward
            unit = w.cadre_unit[v]
            gathered = rng.random(n_units) < GATHERED_UNIT_P
            candidate = w.unit_first + (rng.random(n_units) * w.unit_size).astype(int)
            to_cand = gathered[unit] & (rng.random(len(v)) < P.gathered_candidate_p) & (candidate[unit] != v)
            target = np.where(to_cand, candidate[unit], target)
        v, target = np.unique(np.stack([v, target]), axis=1)
        n = len(v)
        unit = w.cadre_unit[v]
        day = window_days(w, k, n)
        tod = np.where(rng.random(n) < DAYTIME_VOTE_P, rng.uniform(*DAYTIME_HOURS, n), rng.uniform(*EVENING_HOURS, n))
        ip = np.where((tod < OFFICE_CLOSES) & w.workday[day], w.unit_ips[unit, 0], w.home_ip[v])
        if mand:  # the office NAT look-alike: a unit votes together, each on own phone
            if gathered is None:
                gathered = rng.random(n_units) < GATHERED_UNIT_P
            g = gathered[unit]
            meet_day = window_days(w, k, n_units)
            meet_tod = rng.uniform(*MEETING_HOURS, n_units)
            day = np.where(g, meet_day[unit], day)
            tod = np.where(g, meet_tod[unit] + rng.uniform(0, P.gathered_span_s, n), tod)
            ip = np.where(g, w.unit_ips[unit, 0], ip)
        action = rng.choice(CADRE_ACTIONS[0], n, p=CADRE_ACTIONS[1])
        dev = w.dev[v, day]
        at_home = ip == w.home_ip[v]
        for b, a in spouse.items():  # at home, one spouse votes on the other's phone
            m = (v == b) & at_home
            dev[m] = w.dev[a, day[m]]
        parts.append(vote_rows(w, np.full(n, k), w.cadre_id[v], target, day, tod, dev, ip, action))
    return concat(*parts)


def public_votes(w: World) -> Table:
    """Residents' accounts vote for popular cadres from their own phones."""
    rng = w.rng
    n_acc = w.n_cadres * PUBLIC_ACCOUNTS_PER_CADRE
    accounts = public_accounts(w, n_acc)
    acc_dev = w.new_devices(n_acc)
    family = rng.random(n_acc) < FAMILY_DEVICE_P
    acc_dev[family] = acc_dev[rng.integers(0, n_acc, family.sum())]
    popularity = rng.lognormal(0, 1, w.n_cadres) * w.active
    popularity /= popularity.sum()
    parts = []
    for k in range(len(w.camp_id)):
        n = w.n_cadres * PUBLIC_VOTES_PER_CADRE_PER_CAMPAIGN
        acc = rng.integers(0, n_acc, n)
        target = rng.choice(w.n_cadres, n, p=popularity)
        ip = w.mobile_ips[rng.integers(0, len(w.mobile_ips), n)]
        action = rng.choice(PUBLIC_ACTIONS[0], n, p=PUBLIC_ACTIONS[1])
        parts.append(
            vote_rows(
                w,
                np.full(n, k),
                accounts[acc],
                target,
                window_days(w, k, n),
                rng.uniform(*PUBLIC_HOURS, n),
                acc_dev[acc],
                ip,
                action,
            )
        )
    return concat(*parts)
