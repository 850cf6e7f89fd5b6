"""Who is planted for which flag code, who helps, and who is an honest look-alike.

Why: each cadre plays at most one role, so a planted pattern never overlaps a
look-alike and the truth can say exactly who is padding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from demo.evasion import LOOKALIKE_KINDS
from demo.registry import FLAG_CODES
from demo.world import World

PLANT_SHARE_PER_CODE = 0.01  # ~1% of cadres per code, never fewer than 2
MIN_PLANTED = 2
LARGE_WORLD_CADRES = 150  # from here levels 1-3 plant at least `min_planted_large` per code
CARPOOL_SHARE = 0.01  # pairs who arrive together and punch within a minute
MIN_CARPOOL_PAIRS = 2
PAIRED_CODE, GROUP_CODE = "proxy_checkin", "vote_ring"  # planted as (phone owner, padded) pairs / rings
PHOTO_CODE = "photo_reuse"


@dataclass
class Roles:
    """Who is planted for what, who helps, and who is an honest look-alike."""

    planted: dict = field(default_factory=lambda: {code: [] for code in FLAG_CODES})
    proxy_pairs: list = field(default_factory=list)  # (phone owner A, padded cadre B)
    rings: list = field(default_factory=list)
    photo_variants: list = field(default_factory=list)  # (variant, [cadres])
    carpool_pairs: list = field(default_factory=list)  # honest: punch within a minute
    handover_pairs: list = field(default_factory=list)  # honest: phone passed on weeks later
    desk_days: dict = field(default_factory=dict)  # padded claimer -> days spent at the desk
    family_pairs: list = field(default_factory=list)  # honest (levels 1-3): spouses, both cadres, one phone at times
    lookalikes: dict = field(default_factory=dict)  # honest (levels 1-3): kind -> cadres

    def busy(self) -> set:
        """Every cadre with a role: kept off leave and out of the random noise."""
        out = {c for cs in self.planted.values() for c in cs}
        out |= {c for pair in self.proxy_pairs + self.carpool_pairs + self.handover_pairs + self.family_pairs for c in pair}
        return out

    def honest_mask(self, active: np.ndarray) -> np.ndarray:
        """Active cadres nobody planted anything on (helpers count as not honest)."""
        mask = active.copy()
        planted = [c for cs in self.planted.values() for c in cs] + [a for a, _ in self.proxy_pairs]
        mask[planted] = False
        return mask


def last_cadre_pair(w: World, pool: list) -> tuple[int, int] | None:
    """The pool's last cadre that has a colleague in the pool, and its last such colleague."""
    for i in range(len(pool) - 1, -1, -1):
        a = pool[i]
        mates = [j for j in range(len(pool)) if j != i and w.cadre_unit[pool[j]] == w.cadre_unit[a]]
        if mates:
            b = pool[mates[-1]]
            pool.remove(a)
            pool.remove(b)
            return a, b
    return None


def first_colleagues_pair(w: World, pool: list) -> tuple[int, int] | None:
    """Scanning from the pool's end, the first two cadres of one unit."""
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


PAIRINGS = {"last_cadre": last_cadre_pair, "first_colleagues": first_colleagues_pair}


def planted_per_code(w: World) -> int:
    P = w.dial
    floor = MIN_PLANTED if w.n_cadres < LARGE_WORLD_CADRES else P.min_planted_large
    return max(floor, round(w.n_cadres * PLANT_SHARE_PER_CODE * P.plant_share_factor))


def lookalike_count(w: World, share: float) -> int:
    return 0 if share <= 0 else max(1, round(w.n_cadres * share))


def assign_roles(w: World) -> Roles:
    """Pick planted cadres, helpers and look-alikes; each cadre gets at most one role."""
    P = w.dial
    rng = w.rng
    per_code = planted_per_code(w)
    pool = [int(c) for c in rng.permutation(np.nonzero(w.active)[0])]
    roles = Roles()

    def pair() -> tuple[int, int]:
        found = PAIRINGS[P.pairing](w, pool)
        if found is None:
            raise ValueError("no two free cadres left in one unit")
        return found

    for _ in range(per_code):
        a, b = pair()
        roles.proxy_pairs.append((a, b))
        roles.planted[PAIRED_CODE].append(b)
    for _ in range(max(MIN_CARPOOL_PAIRS, round(w.n_cadres * CARPOOL_SHARE))):
        roles.carpool_pairs.append(pair())
    roles.handover_pairs.append(pair())
    if P.family_share:
        for _ in range(max(1, round(w.n_cadres * P.family_share))):
            found = PAIRINGS[P.pairing](w, pool)
            if found:
                roles.family_pairs.append(found)
    members = 0
    while members < max(per_code, P.ring_size[0]):
        size = int(rng.integers(P.ring_size[0], P.ring_size[1] + 1))
        ring = [pool.pop() for _ in range(size)]
        roles.rings.append(ring)
        roles.planted[GROUP_CODE].extend(ring)
        members += size
    for code in FLAG_CODES:
        if code not in (PAIRED_CODE, GROUP_CODE):
            roles.planted[code] = [pool.pop() for _ in range(per_code)]
    # photo_reuse variants: same hash on many days, near-same hashes, one hash two cadres
    photo = roles.planted[PHOTO_CODE]
    roles.photo_variants = [("same_days", [photo[0]]), ("near_same", [photo[1]])]
    rest = photo[2:]
    while len(rest) >= 2:
        roles.photo_variants.append(("shared", rest[:2]))
        rest = rest[2:]
    roles.photo_variants += [("same_days", [c]) for c in rest]
    shares = {
        "punctual": P.punctual_share,
        "desk_gps": P.desk_share,
        "wifi_positioning": P.wifi_share,
        "round_subsidy": P.subsidy_share,
        "service_day": P.service_share,
        "photo_backdrop": P.backdrop_share,
        "expressway": P.expressway_share,
        "popular": P.popular_share,
    }
    for kind in LOOKALIKE_KINDS:
        k = min(lookalike_count(w, shares[kind]), len(pool))
        roles.lookalikes[kind] = [pool.pop() for _ in range(k)]
    return roles


def settle_family(w: World, roles: Roles) -> None:
    """Spouses share a home line."""
    for a, b in roles.family_pairs:
        w.home_ip[b] = w.home_ip[a]
