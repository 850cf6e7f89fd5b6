"""Detection report: flags in the warehouse against the demo generator's ground truth.

Precision and recall per flag code (the registry's codes, `demo.registry`),
judged on (flag_code, cadre_id) pairs: a cadre flagged several times for one
code counts once.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import duckdb

from demo.registry import FLAG_CODES, REPO_ROOT

TAIL_CHARS = 3000  # of a failed build's output, kept in its error
ERROR_CHARS = 1500  # of a failed level's error lines, shown under the table


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


# --------------------------------------------------------------------------
# The curve: precision and recall per code at each evasion level
# --------------------------------------------------------------------------
class BuildFailed(RuntimeError):
    """`fingertip run` failed on a landing folder; the message ends with the CLI's own error lines."""


def build_warehouse(landing: Path, warehouse: Path, dagster_home: Path) -> None:
    """Build `landing` into `warehouse` with the real CLI, in its own process and a clean environment."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("FINGERTIP_") and k != "DAGSTER_HOME"}
    env["DAGSTER_HOME"] = str(dagster_home)
    dagster_home.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "orchestration.cli", "run", "--landing", str(landing), "--warehouse", str(warehouse)]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO_ROOT)
    if result.returncode != 0:
        raise BuildFailed(
            f"build of {landing} failed ({result.returncode}):\n{result.stdout[-TAIL_CHARS:]}\n{result.stderr[-TAIL_CHARS:]}"
        )


def score_levels(
    levels: list[int], cadres: int, days: int, seed: int, workdir: Path, start=None
) -> dict[int, dict[str, dict] | str]:
    """Write, build and score one landing folder per evasion level: {level: score()}.

    A level whose build fails scores as the CLI's error message (a string), and the
    other levels still run.
    """
    from demo.evasion import EVASION_LEVELS
    from demo.generate import DEFAULT_START, generate

    for level in levels:
        if level not in EVASION_LEVELS:
            raise ValueError(f"evasion level must be one of {EVASION_LEVELS}, not {level!r}")
    workdir = Path(workdir).resolve()
    out = {}
    for level in levels:
        base = workdir / f"level-{level}"
        landing, warehouse = base / "landing", base / "warehouse.duckdb"
        for stale in (warehouse, base / "analytics.duckdb"):
            stale.unlink(missing_ok=True)  # a warehouse from an earlier run would keep its flags
        generate(landing, cadres=cadres, days=days, start=start or DEFAULT_START, seed=seed, evasion=level)
        try:
            build_warehouse(landing, warehouse, base / ".dagster")
        except BuildFailed as failed:
            out[level] = (
                "\n".join(line for line in str(failed).splitlines() if line.startswith("error"))[-ERROR_CHARS:]
                or str(failed)[-ERROR_CHARS:]
            )
            continue
        out[level] = score(truth_pairs(landing), flagged_pairs(warehouse))
    return out


def format_levels(scores: dict[int, dict[str, dict] | str]) -> str:
    """One row per flag code, precision/recall per level, and a totals row (pairs summed over codes).

    A level whose build failed shows "failed" and its error below the table.
    """
    failed = {lv: s for lv, s in scores.items() if isinstance(s, str)}
    scores = {lv: (None if lv in failed else s) for lv, s in scores.items()}
    levels = list(scores)
    head = f"{'flag_code':<18} | " + " | ".join(f"{f'L{lv} P/R':>11}" for lv in levels)
    lines = [head, "-" * len(head)]

    def cell(planted: int, flagged: int, hits: int) -> str:
        p = hits / flagged if flagged else (1.0 if not planted else 0.0)
        r = hits / planted if planted else 1.0
        return f"{p:.2f}/{r:.2f}".rjust(11)

    for code in FLAG_CODES:
        cells = [
            "failed".rjust(11)
            if lv in failed
            else cell(scores[lv][code]["planted"], scores[lv][code]["flagged"], scores[lv][code]["true_positives"])
            for lv in levels
        ]
        lines.append(f"{code:<18} | " + " | ".join(cells))
    totals = [
        "failed".rjust(11)
        if lv in failed
        else cell(*(sum(s[k] for s in scores[lv].values()) for k in ("planted", "flagged", "true_positives")))
        for lv in levels
    ]
    lines.append("-" * len(head))
    lines.append(f"{'total':<18} | " + " | ".join(totals))
    planted = ", ".join(f"L{lv} {sum(s['planted'] for s in scores[lv].values())}" for lv in levels if lv not in failed)
    lines.append(f"(precision/recall on (flag_code, cadre_id) pairs; planted pairs: {planted})")
    for lv, error in failed.items():
        lines.append(f"level {lv}: the build failed: {error}")
    return "\n".join(lines)


def evaluate_levels(levels: list[int], cadres: int, days: int, seed: int, workdir: Path, start=None) -> str:
    """For each level: demo landing in workdir/level-N/landing, a real build, scored; returns the table."""
    return format_levels(score_levels(levels, cadres, days, seed, workdir, start))
