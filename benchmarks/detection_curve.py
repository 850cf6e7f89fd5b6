"""Benchmark: precision and recall of every flag code as the demo data's evasion grows.

    .venv/bin/python benchmarks/detection_curve.py --levels 0,1,2,3 --cadres 300 --days 61 --seed 901 --workdir /tmp/curve

For each level it writes a demo landing folder (workdir/level-N/landing), builds
it with the real CLI in its own process, and scores the flags against the
generator's truth. Prints the table and the elapsed time. Use seeds the tests
never saw.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo.evaluation import evaluate_levels  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="0,1,2,3", help="comma-separated evasion levels")
    parser.add_argument("--cadres", type=int, default=300)
    parser.add_argument("--days", type=int, default=61)
    parser.add_argument("--seed", type=int, default=901)
    parser.add_argument("--start", type=date.fromisoformat, default=None, help="first event day, YYYY-MM-DD")
    parser.add_argument("--workdir", help="keep the folders here (default: a temp folder)")
    args = parser.parse_args(argv)

    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="fingertip-curve-"))
    began = time.perf_counter()
    table = evaluate_levels(levels, args.cadres, args.days, args.seed, workdir, args.start)
    elapsed = time.perf_counter() - began
    print(f"{args.cadres} cadres x {args.days} days, seed {args.seed}, levels {levels}, workdir {workdir}")
    print(table)
    print(f"elapsed: {elapsed:.1f} s ({elapsed / len(levels):.1f} s per level)")


if __name__ == "__main__":
    main()
