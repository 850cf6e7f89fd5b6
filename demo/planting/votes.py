"""The vote codes: vote_stuffing and vote_ring."""

from __future__ import annotations

import numpy as np

from demo.clock import DAY, HOUR, MINUTE
from demo.draw import pick
from demo.honest.votes import OFFICE_CLOSES, public_accounts, vote_rows, window_days
from demo.roles import Roles
from demo.world import World

TEXTBOOK_STUFFING_HOURS = (20.5 * HOUR, 23 * HOUR)  # one phone, late in the evening
STUFFING_EARLIEST = 8 * HOUR
STUFFING_AFTER_WORK = 18 * HOUR  # a burst starts after work unless it is too long to fit the evening
STUFFING_END_MARGIN_S = 5 * MINUTE  # ... and ends before midnight
EXTRA_ACTION_DELAY_S = (5, 60)
RING_HOURS = (8.5 * HOUR, 21 * HOUR)
ACTIONS = np.array(["vote", "like", "share"], dtype=object)


def plant_vote_stuffing(w: World, roles: Roles) -> list:
    """Throwaway accounts vote for one cadre in bursts.

    Textbook (`stuff_devices` None): each burst from one fresh phone, in the
    evening. Up the dial: rotated over a few phones and a longer window, with likes.
    """
    P = w.dial
    rng = w.rng
    planted = roles.planted["vote_stuffing"]
    parts = []
    if P.stuff_devices is not None:
        pool = w.new_devices(P.stuff_devices[1] * len(planted))
    for i, target in enumerate(planted):
        if P.stuff_devices is not None:
            phones = pool[i * P.stuff_devices[1] : (i + 1) * P.stuff_devices[1]]
            phone_ip = w.mobile_ips[rng.integers(0, len(w.mobile_ips), len(phones))]
        for k in pick(rng, np.arange(len(w.camp_id)), P.stuff_bursts):
            n = int(rng.integers(*P.stuff_votes))
            span = rng.uniform(*P.stuff_span_s)
            if P.stuff_devices is None:
                tod = rng.uniform(*TEXTBOOK_STUFFING_HOURS) + np.sort(rng.uniform(0, span, n))
                day = np.full(n, window_days(w, k, 1)[0])
                dev = np.full(n, w.new_devices(1)[0])
                ip = np.full(n, w.mobile_ips[rng.integers(0, len(w.mobile_ips))])
                parts.append(
                    vote_rows(
                        w, np.full(n, k), public_accounts(w, n), np.full(n, target), day, tod, dev, ip, "vote", tag="stuffing"
                    )
                )
                continue
            start = rng.uniform(max(STUFFING_EARLIEST, STUFFING_AFTER_WORK - span), DAY - span - STUFFING_END_MARGIN_S)
            tod = start + np.sort(rng.uniform(0, span, n))
            day = np.full(n, window_days(w, k, 1)[0])
            nd = int(rng.integers(P.stuff_devices[0], P.stuff_devices[1] + 1))
            which = rng.integers(0, nd, n)
            ip = phone_ip[which]
            if P.stuff_other_ip_p is not None:
                ip = np.where(
                    rng.random(n) < P.stuff_other_ip_p, phone_ip[which], w.mobile_ips[rng.integers(0, len(w.mobile_ips), n)]
                )
            acc = public_accounts(w, n)
            parts.append(
                vote_rows(w, np.full(n, k), acc, np.full(n, target), day, tod, phones[which], ip, "vote", tag="stuffing")
            )
            extra = rng.random(n) < P.stuff_extra_action_p
            m = int(extra.sum())
            if m:
                parts.append(
                    vote_rows(
                        w,
                        np.full(m, k),
                        acc[extra],
                        np.full(m, target),
                        day[extra],
                        np.minimum(tod[extra] + rng.uniform(*EXTRA_ACTION_DELAY_S, m), DAY - 1),
                        phones[which[extra]],
                        ip[extra],
                        rng.choice(ACTIONS[1:], m),
                        tag="stuffing",
                    )
                )
    return parts


def plant_vote_rings(w: World, roles: Roles) -> list:
    """Members of a closed group vote for each other campaign after campaign.

    Textbook (`ring_pair_p` None): every member votes for every other. Up the
    dial: each pair only sometimes, through likes and shares as well.
    """
    P = w.dial
    rng = w.rng
    parts = []
    for ring in roles.rings:
        for k in pick(rng, np.arange(len(w.camp_id)), P.ring_campaigns):
            voter, target, action = [], [], []
            for a in ring:
                for b in ring:
                    if a == b:
                        continue
                    if P.ring_pair_p is None:
                        acts = ["vote"]
                    elif rng.random() >= P.ring_pair_p:
                        continue
                    else:
                        m = int(rng.integers(1, P.ring_max_actions + 1))
                        acts = rng.choice(ACTIONS, m, replace=False, p=np.array(P.ring_actions))
                    for act in acts:
                        voter.append(a)
                        target.append(b)
                        action.append(act)
            n = len(voter)
            if not n:
                continue
            voter, target = np.array(voter), np.array(target)
            day = window_days(w, k, n)
            tod = rng.uniform(*RING_HOURS, n)
            ip = np.where((tod < OFFICE_CLOSES) & w.workday[day], w.unit_ips[w.cadre_unit[voter], 0], w.home_ip[voter])
            parts.append(
                vote_rows(
                    w,
                    np.full(n, k),
                    w.cadre_id[voter],
                    target,
                    day,
                    tod,
                    w.dev[voter, day],
                    ip,
                    np.array(action, dtype=object),
                    tag="ring",
                )
            )
    return parts
