"""Detection report: flags in the warehouse against the demo generator's ground truth.

Precision and recall per flag code, judged on (flag_code, cadre_id) pairs:
a cadre flagged several times for one code counts once.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import duckdb

FLAG_CODES = (
    "proxy_checkin",
    "impossible_travel",
    "photo_reuse",
    "gps_spoof",
    "scripted_login",
    "vote_stuffing",
    "vote_ring",
    "fabricated_report",
    "padded_cases",
)


def truth_pairs(landing: Path) -> set[tuple[str, str]]:
    truth = landing / "_truth" / "flags.csv"
    if not truth.exists():
        raise FileNotFoundError(f"{truth} not found: eval needs a landing folder written by `fingertip demo-data`.")
    with truth.open() as handle:
        return {(row["flag_code"], row["cadre_id"]) for row in csv.DictReader(handle)}


def flagged_pairs(warehouse: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return set(con.execute("select distinct flag_code, cadre_id from marts.padding_flags").fetchall())


def score(truth: set, flagged: set) -> dict[str, dict]:
    by_code: dict[str, dict] = defaultdict(dict)
    for code in FLAG_CODES:
        expected = {c for k, c in truth if k == code}
        found = {c for k, c in flagged if k == code}
        hits = len(expected & found)
        by_code[code] = {
            "planted": len(expected),
            "flagged": len(found),
            "true_positives": hits,
            "precision": hits / len(found) if found else (1.0 if not expected else 0.0),
            "recall": hits / len(expected) if expected else 1.0,
            "false_positives": sorted(found - expected),
            "missed": sorted(expected - found),
        }
    return dict(by_code)


def format_report(scores: dict[str, dict]) -> str:
    lines = [f"{'flag_code':<18} {'planted':>7} {'flagged':>7} {'precision':>9} {'recall':>7}"]
    for code, s in scores.items():
        lines.append(f"{code:<18} {s['planted']:>7} {s['flagged']:>7} {s['precision']:>9.3f} {s['recall']:>7.3f}")
    return "\n".join(lines)
