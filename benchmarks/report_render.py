"""The inspection report's own cost: `render_report` alone over a build's published copy and warehouse.

    .venv/bin/python benchmarks/report_render.py --build /tmp/bench/b20000/build --runs 3

`--build` is a folder with `analytics.duckdb` and `warehouse.duckdb` (a `bench.py` workdir's `build/`).
Each run writes into a new temporary folder, removed after it, and starts after a `sync` and a pause,
so that the pages one run left unflushed are not written out on the next run's clock. Prints
per run the CPU and wall time of `render_report`, the pages and the bytes written. To compare two
checkouts, run it from each (`PYTHONPATH=<checkout>`), alternating.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, required=True, help="folder with analytics.duckdb and warehouse.duckdb")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pause", type=float, default=3.0, help="seconds between a run's sync and the next run")
    args = parser.parse_args()

    started = time.process_time()
    import inspection
    from inspection.report import render_report

    print(f"inspection from {Path(inspection.__file__).parent}; import {time.process_time() - started:.2f} s of CPU")
    for run in range(1, args.runs + 1):
        os.sync()
        time.sleep(args.pause)
        out = Path(tempfile.mkdtemp(prefix="report-render-")) / "report"
        try:
            cpu, wall = time.process_time(), time.perf_counter()
            written = render_report(args.build / "analytics.duckdb", out, warehouse=args.build / "warehouse.duckdb")
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            size = sum(page.stat().st_size for page in out.iterdir())
            print(f"run {run}: {cpu:.2f} s of CPU, {wall:.2f} s wall, {written['pages']} pages, {size / 2**20:,.0f} MiB")
        finally:
            shutil.rmtree(out.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
