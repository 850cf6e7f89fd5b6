"""Delivery: fresh ids, the day each row lands, re-deliveries, and the rows as the text written.

Why: real exports arrive late, twice, and with ids that mean nothing; the
pipeline's idempotence and quarantine are tested against exactly that.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from demo.corruption import FILLER_SOURCES, corrupt, invalid_rows, rejected_fillers
from demo.draw import hex_strings
from demo.encoding import format_rows
from demo.schema import ID_COLUMN, MAIN_TS, NULL, SCHEMAS, Table, concat, nrows, take
from demo.world import World

LATE_P = 0.10  # events (and case versions) that land 1-3 days after their event day
LATE_DAYS = (1, 4)  # numpy bounds
REDELIVERED_SHARE = 0.02  # events delivered again, same id and content
REDELIVERY_DAYS = 3  # ... within this many days of the event
STYLE_P = [0.80, 0.12, 0.08]  # timestamps written "+08:00", "Z" (UTC), without offset (local)
ID_SALT_CHARS = 6  # a per-source salt in every id, so ids of two runs never meet


def assign_ids(source: str, t: Table, w: World) -> None:
    """Fresh, unique, meaningless ids for every row that has none yet."""
    col = ID_COLUMN[source]
    missing = t[col] == NULL
    first = int(t[col][~missing].max()) + 1 if (~missing).any() else 1
    t[col][missing] = first + w.rng.permutation(int(missing.sum()))


def schedule_delivery(source: str, t: Table, w: World) -> None:
    """Delivery day = event day, or 1-3 days later for ~10% of events."""
    rng = w.rng
    todo = t["_dt"] == NULL
    due = w.day_of(t[MAIN_TS[source]][todo])
    t["_dt"][todo] = due + np.where(rng.random(todo.sum()) < LATE_P, rng.integers(*LATE_DAYS, todo.sum()), 0)


def redeliveries(source: str, t: Table, w: World) -> Table:
    """~2% of valid rows delivered again, same content, within 3 days of the event."""
    rng = w.rng
    valid = np.nonzero((t["_kind"] == None) & ~t["_reject"])[0]  # noqa: E711
    idx = np.sort(rng.choice(valid, round(REDELIVERED_SHARE * len(valid)), replace=False))
    cp = take(t, idx)
    room = w.day_of(t[MAIN_TS[source]][idx]) + REDELIVERY_DAYS - cp["_dt"]
    cp["_dt"] = cp["_dt"] + (rng.random(len(idx)) * (np.maximum(room, 0) + 1)).astype(np.int64)
    cp["_copy_of"] = idx
    return cp


def finalize(source: str, t: Table, w: World, honest: np.ndarray) -> pl.DataFrame:
    """Valid rows + invalid rows + rejected-file fillers + re-deliveries, as strings."""
    rng = w.rng
    parts = [t, invalid_rows(source, t, w, honest)]
    if source in FILLER_SOURCES:
        parts.append(rejected_fillers(source, t, w, honest))
    t = concat(*parts)
    assign_ids(source, t, w)
    t["_style"] = rng.choice(3, nrows(t), p=STYLE_P).astype(np.int8)
    t["_order"] = t[MAIN_TS[source]]
    schedule_delivery(source, t, w)
    t = concat(t, redeliveries(source, t, w))
    salt = hex_strings(rng, 1, ID_SALT_CHARS)[0]
    df = format_rows(source, t, salt)
    at = np.nonzero(df["_kind"].is_not_null().to_numpy())[0]
    rows = df[at].to_dicts()
    for row in rows:
        corrupt(row, row["_kind"], source, w)
    return df.with_columns(df[c].scatter(at, [r[c] for r in rows]) for c in SCHEMAS[source])
