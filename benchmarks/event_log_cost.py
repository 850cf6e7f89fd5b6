"""What one Dagster event costs to store, per storage and disk (issue 8: the fixed cost of a build).

A `fingertip run` stores 700-1,000 events (planned and finished steps, materializations,
asset checks); this writes N asset events to a fresh instance and prints milliseconds per event.

    .venv/bin/python benchmarks/event_log_cost.py --home /tmp/evh                 # the default storage
    .venv/bin/python benchmarks/event_log_cost.py --home /tmp/evh --consolidated  # one SQLite file for all runs
    .venv/bin/python benchmarks/event_log_cost.py --home /tmp/evh --pooled        # what `fingertip run` uses
    .venv/bin/python benchmarks/event_log_cost.py --home /dev/shm/evh             # no fsync cost (tmpfs)

Measured on 2026-12-02 (2 cores). Under CI load: 14.9 ms (default), 10.3 ms (consolidated), about
5 ms on tmpfs. Idle, three runs of the default: 5.8, 6.6 and 9.9 ms; in the last run's minute
7.8 ms consolidated and 4.0 ms on tmpfs. `--pooled` (orchestration/event_log.py: the files kept
open) is what `fingertip run` has used since; docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from dagster import AssetMaterialization, DagsterInstance

CONSOLIDATED = """\
event_log_storage:
  module: dagster._core.storage.event_log
  class: ConsolidatedSqliteEventLogStorage
  config:
    base_dir: {base_dir}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a scratch DAGSTER_HOME (emptied first)")
    storage = parser.add_mutually_exclusive_group()
    storage.add_argument("--consolidated", action="store_true", help="ConsolidatedSqliteEventLogStorage")
    storage.add_argument("--pooled", action="store_true", help="the files kept open, as `fingertip run` does")
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()

    shutil.rmtree(args.home, ignore_errors=True)
    args.home.mkdir(parents=True)
    config = "telemetry:\n  enabled: false\n"
    if args.consolidated:
        config += CONSOLIDATED.format(base_dir=args.home / "history")
    (args.home / "dagster.yaml").write_text(config)
    if args.pooled:
        from orchestration.event_log import build_instance

        instance = build_instance(args.home)
    else:
        instance = DagsterInstance.from_config(str(args.home))
    instance.report_runless_asset_event(AssetMaterialization("warm_up"))  # creates the storage's files
    started = time.perf_counter()
    for n in range(args.events):
        instance.report_runless_asset_event(AssetMaterialization(f"asset_{n % 20}", metadata={"n": n}))
    per_event = (time.perf_counter() - started) / args.events * 1000
    storage = "consolidated" if args.consolidated else "pooled" if args.pooled else "default"
    print(f"{args.events} events, {storage} storage, {args.home}: {per_event:.2f} ms per event")
    instance.dispose()


if __name__ == "__main__":
    main()
