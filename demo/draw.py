"""Random draws and sphere geometry the generator's modules share.

Why: ids, hashes, addresses and positions are drawn the same way everywhere,
from the one seeded Generator, so a seed keeps writing the same files.
"""

from __future__ import annotations

import numpy as np

EARTH_R = 6_371_000.0
HASH_BITS = 64  # perceptual photo hashes are 64-bit, written as 16 hex chars
HEX_CHARS = HASH_BITS // 4
MICRO = 1_000_000  # micro-degrees per degree: the 6 decimals written to the files
IP_OCTET = (1, 255)  # drawn octets of a public address


def hex_strings(rng: np.random.Generator, n: int, nchars: int, prefix: str = "", taken: set | None = None) -> np.ndarray:
    """`n` distinct random lowercase hex strings (also distinct from `taken`)."""
    taken = set() if taken is None else taken
    out: list[str] = []
    while len(out) < n:
        vals = rng.integers(0, 2**HASH_BITS, n - len(out), dtype=np.uint64)
        h = np.frombuffer(vals.astype(">u8").tobytes().hex().encode(), dtype=f"S{HEX_CHARS}")
        for s in h.astype(f"U{HEX_CHARS}"):
            s = prefix + s[HEX_CHARS - nchars :]
            if s not in taken:
                taken.add(s)
                out.append(s)
    return np.array(out, dtype=object)


def photo_hashes(rng: np.random.Generator, n: int, null_p: float) -> np.ndarray:
    """Random 64-bit perceptual hashes as 16 hex chars; some photos are missing."""
    vals = rng.integers(0, 2**HASH_BITS, n, dtype=np.uint64)
    h = np.frombuffer(vals.astype(">u8").tobytes().hex().encode(), dtype=f"S{HEX_CHARS}").astype(f"U{HEX_CHARS}")
    h = h.astype(object)
    h[rng.random(n) < null_p] = None
    return h


def flip_bits(rng: np.random.Generator, base: int, lo: int, hi: int) -> int:
    """`base` with lo..hi random bits flipped: a re-encoded or cropped copy of a photo."""
    k = int(rng.integers(lo, hi + 1))
    return base ^ sum(1 << int(b) for b in rng.choice(HASH_BITS, k, replace=False)) if k else base


def ip_strings(rng: np.random.Generator, n: int, prefixes: list[int]) -> np.ndarray:
    """`n` distinct public IPv4 addresses starting with one of `prefixes`."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        a = rng.choice(prefixes)
        b, c, d = rng.integers(*IP_OCTET, 3)
        s = f"{a}.{b}.{c}.{d}"
        if s not in seen:
            seen.add(s)
            out.append(s)
    return np.array(out, dtype=object)


def destination(lat, lon, dist_m, bearing_rad):
    """Point `dist_m` away on a sphere: vectorised great-circle step."""
    p1, l1, dr = np.radians(lat), np.radians(lon), np.asarray(dist_m) / EARTH_R
    p2 = np.arcsin(np.sin(p1) * np.cos(dr) + np.cos(p1) * np.sin(dr) * np.cos(bearing_rad))
    l2 = l1 + np.arctan2(np.sin(bearing_rad) * np.sin(dr) * np.cos(p1), np.cos(dr) - np.sin(p1) * np.sin(p2))
    return np.degrees(p2), np.degrees(l2)


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_R * np.arcsin(np.sqrt(a))


def scatter(rng, lat, lon, lo_m, hi_m):
    """Each point moved a random lo..hi metres in a random direction."""
    shape = np.shape(lat)
    return destination(lat, lon, rng.uniform(lo_m, hi_m, shape), rng.uniform(0, 2 * np.pi, shape))


def rayleigh_offsets(rng, lat, lon, sigma_m):
    """A real fix: per-axis normal error of sigma metres around the true point."""
    n = len(lat)
    r = sigma_m * np.sqrt(-2 * np.log(1 - rng.random(n)))
    return destination(lat, lon, r, rng.uniform(0, 2 * np.pi, n))


def micro(deg) -> np.ndarray:
    """Degrees -> int micro-degrees: exactly the 6 decimals written to the files."""
    return np.round(np.asarray(deg) * 1e6).astype(np.int64)


def pick(rng, pool, k: int) -> np.ndarray:
    """k distinct items of `pool` (all of it when shorter), in pool order."""
    pool = np.asarray(pool)
    return np.sort(rng.choice(pool, min(k, len(pool)), replace=False)) if len(pool) else pool
