"""Benchmark: demo data at a given size, built end to end by `fingertip run`.

    .venv/bin/python benchmarks/build_scale.py --cadres 3000 --days 61

Prints generation time, build time, re-run time, peak memory of the build
process and row counts. Figures go into docs/benchmarks.md with the machine size.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

BIN = Path(sys.executable).parent


def timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - start, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cadres", type=int, default=3000)
    parser.add_argument("--days", type=int, default=61)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--workdir", help="keep the files here (default: a temp folder)")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="fingertip-bench-"))
    landing, warehouse = workdir / "landing", workdir / "warehouse.duckdb"
    env_note = f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"

    generate, _ = timed([str(BIN / "fingertip"), "demo-data", "--out", str(landing), "--cadres", str(args.cadres),
                         "--days", str(args.days), "--seed", str(args.seed)])
    build, summary = timed([str(BIN / "fingertip"), "run", "--landing", str(landing), "--warehouse", str(warehouse)])
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rerun, _ = timed([str(BIN / "fingertip"), "run", "--landing", str(landing), "--warehouse", str(warehouse)])

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows_read, loaded, quarantined = con.execute(
            "select sum(coalesce(rows_read, 0)), sum(rows_loaded), sum(coalesce(rows_quarantined, 0)) from ops.load_audit"
        ).fetchone()
        flags = con.execute("select count(*) from marts.padding_flags").fetchone()[0]
    print(f"machine: {env_note}")
    print(f"size: {args.cadres} cadres x {args.days} days (seed {args.seed}); rows read {rows_read:,}, "
          f"loaded {loaded:,}, quarantined {quarantined:,}; flags {flags}")
    print(f"demo-data: {generate:.1f} s")
    print(f"fingertip run (first build): {build:.1f} s ({rows_read / build:,.0f} rows/s)")
    print(f"fingertip run (re-run, same landing): {rerun:.1f} s")
    print(f"peak RSS of the largest child process: {peak_mib:,.0f} MiB")
    print(summary)


if __name__ == "__main__":
    main()
