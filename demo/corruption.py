"""Invalid input: rows broken in every way the contract forbids, and files that cannot be read.

Why: the pipeline must quarantine each of them with the right reason and load
everything else; the truth lists every one (row numbers as written).
"""

from __future__ import annotations

import numpy as np

from demo.clock import HOUR, MINUTE
from demo.draw import photo_hashes
from demo.honest.checkins import PHOTO_NULL_P
from demo.honest.reports import FUNDS_METRIC, honest_funds_cents
from demo.schema import ID_COLUMN, MAIN_TS, NULL, REQUIRED, Table, nrows, take
from demo.world import World

INVALID_PER_KIND = 3
INVALID_KINDS = {
    "app_logins": [
        "missing_required",
        "bad_timestamp",
        "bad_number",
        "negative_number",
        "logout_before_login",
        "unknown_cadre",
        "unknown_app",
    ],
    "checkins": [
        "missing_required",
        "bad_timestamp",
        "bad_number",
        "lat_out_of_range",
        "lon_out_of_range",
        "negative_number",
        "unknown_enum",
        "unknown_cadre",
        "unknown_app",
    ],
    "votes": ["missing_required", "bad_timestamp", "unknown_enum", "unknown_target", "unknown_campaign"],
    "cases": [
        "missing_required",
        "bad_timestamp",
        "bad_number",
        "lat_out_of_range",
        "lon_out_of_range",
        "rating_out_of_range",
        "unknown_enum",
        "bad_boolean",
        "closed_before_opened",
        "unknown_cadre",
    ],
    "reports": ["missing_required", "bad_timestamp", "bad_number", "negative_number", "unknown_enum", "unknown_cadre"],
}
BAD_TIMESTAMPS = [
    "2026-09-31T08:00:00+08:00",
    "2026-09-14T25:10:00+08:00",
    "14/09/2026 08:31",
    "yesterday",
    "2026-13-02T09:00:00Z",
]
BAD_NUMBERS = ["abc", "1.2.3", "twelve", "--"]
UNKNOWN_ENUMS = {
    "kind": ["clock_in", "lunch_break"],
    "action": ["upvote", "dislike"],
    "status": ["closed", "pending"],
    "period": ["2026-9", "2026/09", "Sep-2026"],
}
UNKNOWN_ID_PREFIX, UNKNOWN_IDS = "C99", 1000  # C99000-C99999: no cadre has these ids
COPY_SHIFT_MICRO = (5, 40)  # copies move 0.5-4 m so they repeat no real position
LOGOUT_BEFORE_S = (MINUTE, HOUR)
CLOSED_BEFORE_S = (HOUR, 48 * HOUR)
REJECTED_FILE_ROWS = 12  # rows inside each rejected file built from rows
FILLER_SOURCES = ("app_logins", "checkins")  # rejected files that hold real-looking rows


def freshen(source: str, t: Table, w: World) -> None:
    """Copies that must not repeat a real row's photo, position or amount."""
    rng = w.rng
    n = nrows(t)
    t[ID_COLUMN[source]][:] = NULL  # a fresh id comes later
    t["_dt"][:] = NULL
    if source == "checkins":
        t["photo_hash"] = photo_hashes(rng, n, PHOTO_NULL_P)
        t["lat"] = t["lat"] + rng.integers(*COPY_SHIFT_MICRO, n) * rng.choice([-1, 1], n)
        t["lon"] = t["lon"] + rng.integers(*COPY_SHIFT_MICRO, n) * rng.choice([-1, 1], n)
    if source == "reports":
        t["value"] = np.where(t["metric"] == FUNDS_METRIC, honest_funds_cents(rng, n), t["value"])


def invalid_rows(source: str, t: Table, w: World, honest: np.ndarray) -> Table:
    """Copies of honest rows, each broken in one way (time-order breaks are made here)."""
    rng = w.rng
    kinds = INVALID_KINDS[source]
    base = np.nonzero(honest[t["_c"]] & (t["_tag"] != "fabricated"))[0]
    if source == "cases":  # closed versions carry every field, so each break shows
        base = base[t["status"][base] != "open"]
    inv = take(t, rng.choice(base, len(kinds) * INVALID_PER_KIND, replace=False))
    freshen(source, inv, w)
    inv["_kind"] = np.repeat(np.array(kinds, dtype=object), INVALID_PER_KIND)
    inv["_tag"][:] = None
    if source == "app_logins":
        m = inv["_kind"] == "logout_before_login"
        inv["logout_at"][m] = inv["login_at"][m] - rng.integers(*LOGOUT_BEFORE_S, m.sum())
    if source == "cases":
        m = inv["_kind"] == "closed_before_opened"
        inv["closed_at"][m] = inv["opened_at"][m] - rng.integers(*CLOSED_BEFORE_S, m.sum())
        inv["first_reply_at"][m] = NULL
        inv["updated_at"][m] = inv["opened_at"][m]
    return inv


def rejected_fillers(source: str, t: Table, w: World, honest: np.ndarray) -> Table:
    """Honest-looking rows that only ever live in a rejected file."""
    base = np.nonzero(honest[t["_c"]])[0]
    r = take(t, w.rng.choice(base, REJECTED_FILE_ROWS, replace=False))
    freshen(source, r, w)
    r["_reject"][:] = True
    r["_tag"][:] = None
    return r


def corrupt(row: dict, kind: str, source: str, w: World) -> None:
    """Break one formatted row in the way `kind` names."""
    rng = w.rng
    ts = MAIN_TS[source] if source != "cases" else "opened_at"
    if kind == "missing_required":
        row[str(rng.choice(REQUIRED[source]))] = None
    elif kind == "bad_timestamp":
        row[ts] = str(rng.choice(BAD_TIMESTAMPS))
    elif kind == "bad_number":
        col = {
            "app_logins": ["actions"],
            "checkins": ["lat", "lon", "accuracy_m"],
            "cases": ["location_lat", "location_lon", "resident_rating"],
            "reports": ["value"],
        }[source]
        row[str(rng.choice(col))] = str(rng.choice(BAD_NUMBERS))
    elif kind == "negative_number":
        col = {"app_logins": "actions", "checkins": "accuracy_m", "reports": "value"}[source]
        row[col] = {"actions": "-3", "accuracy_m": "-12.5", "value": "-2500.00"}[col]
    elif kind in ("lat_out_of_range", "lon_out_of_range"):
        prefix = "location_" if source == "cases" else ""
        if kind == "lat_out_of_range":
            row[prefix + "lat"] = str(rng.choice(["123.456789", "-91.250000"]))
        else:
            row[prefix + "lon"] = str(rng.choice(["200.123456", "-180.500000"]))
    elif kind == "rating_out_of_range":
        row["resident_rating"] = str(rng.choice(["0", "7"]))
    elif kind == "bad_boolean":
        row["field_visit_claimed"] = "maybe"
    elif kind == "unknown_enum":
        col = {"checkins": "kind", "votes": "action", "cases": "status", "reports": "period"}[source]
        row[col] = str(rng.choice(UNKNOWN_ENUMS[col]))
    elif kind == "unknown_cadre":
        row["cadre_id"] = f"{UNKNOWN_ID_PREFIX}{rng.integers(0, UNKNOWN_IDS):03d}"
    elif kind == "unknown_target":
        row["target_id"] = f"{UNKNOWN_ID_PREFIX}{rng.integers(0, UNKNOWN_IDS):03d}"
    elif kind == "unknown_app":
        row["app_id"] = str(rng.choice(["A99", "A77"]))
    elif kind == "unknown_campaign":
        row["campaign_id"] = str(rng.choice(["K99", "K77"]))
