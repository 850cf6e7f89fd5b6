"""Two checkouts of fingertip, one small build each in turn (issue 8: a change's effect on a build's fixed cost).

A fixed-cost change saves seconds in a build that takes tens, and this machine's speed drifts by more
than that within the hour. So the two checkouts build alternately, each time in a new folder (as every
test build does): `fingertip run` of the same landing, run from one checkout's folder with PYTHONPATH pointing at it, then
the other, N times. Printed per build: wall and CPU time (the process and its children), the dbt
step's time from the run's Dagster event log, and whether dbt parsed the whole project.

    git worktree add /tmp/before <commit>
    .venv/bin/python benchmarks/compare_builds.py --before /tmp/before --after . --runs 3 --workdir /tmp/ab

With --rerun, each checkout builds once in its own folder and then the same landing is built again
on it N times: what a re-run costs when nothing changed.

The checkouts share this venv (its packages); each is prepared first (its dbt manifest parsed).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FINGERTIP = Path(sys.executable).parent / "fingertip"
DBT_STEP = "warehouse_models"
FULL_PARSE = "Unable to do partial parsing"


def dbt_step_seconds(dagster_home: Path) -> float | None:
    """The dbt step's time, from the last run's STEP_START and STEP_SUCCESS events."""
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        [run] = instance.get_runs(limit=1)
        times = {
            event.dagster_event.event_type: event.timestamp
            for event in instance.all_logs(run.run_id)
            if event.dagster_event is not None and event.step_key == DBT_STEP
        }
    start, end = times.get(DagsterEventType.STEP_START), times.get(DagsterEventType.STEP_SUCCESS)
    return end - start if start and end else None


def build(checkout: Path, landing: Path, folder: Path, fresh: bool = True) -> dict:
    if fresh:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DAGSTER_HOME"))}
    env["PYTHONPATH"] = str(checkout)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    command = [
        str(FINGERTIP),
        "run",
        "--landing",
        str(landing.resolve()),
        "--warehouse",
        str(folder.resolve() / "warehouse.duckdb"),
    ]
    # In the checkout: the GX process (`python -m storage.gx_process`) finds its module from its
    # working directory first, and would otherwise be the other checkout's.
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=checkout)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"the build with {checkout} failed:\n{result.stderr[-2000:]}")
    dbt_output = (folder / ".dagster" / "last_build.log").read_text()
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "dbt": dbt_step_seconds(folder / ".dagster"),
        "full_parse": FULL_PARSE in dbt_output,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the checkout before the change")
    parser.add_argument("--after", type=Path, required=True, help="the checkout with the change")
    parser.add_argument("--runs", type=int, default=3, help="builds per checkout (default 3)")
    parser.add_argument("--landing", type=Path, default=REPO / "tests" / "fixtures" / "handmade_landing")
    parser.add_argument("--workdir", type=Path, required=True, help="scratch folder (emptied per build)")
    parser.add_argument(
        "--rerun",
        action="store_true",
        help="build once per checkout, then time re-runs of the same landing on that build (nothing changed)",
    )
    args = parser.parse_args()
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}
    for checkout in checkouts.values():
        prepare = "import orchestration.resources as r; r.prepare_dbt_manifest()"
        subprocess.run([sys.executable, "-c", prepare], env={**os.environ, "PYTHONPATH": str(checkout)}, check=True)
    print(f"{'build':<10} {'wall':>8} {'CPU':>8} {'dbt step':>9}  whole parse")
    results: dict[str, list[dict]] = {name: [] for name in checkouts}
    if args.rerun:
        for name, checkout in checkouts.items():
            first = build(checkout, args.landing.resolve(), args.workdir / name)
            print(f"{name} first build {first['wall']:.1f} s (not counted)", flush=True)
    for run in range(1, args.runs + 1):
        for name, checkout in checkouts.items():
            folder = args.workdir / (name if args.rerun else f"{name}{run}")
            figures = build(checkout, args.landing.resolve(), folder, fresh=not args.rerun)
            results[name].append(figures)
            dbt = f"{figures['dbt']:.1f} s" if figures["dbt"] is not None else "?"
            print(
                f"{name} {run:<3} {figures['wall']:7.1f} s {figures['cpu']:6.1f} s {dbt:>9}  {figures['full_parse']}",
                flush=True,
            )
    for name, runs in results.items():
        walls = sorted(r["wall"] for r in runs)
        print(f"{name}: median wall {walls[len(walls) // 2]:.1f} s")


if __name__ == "__main__":
    main()
