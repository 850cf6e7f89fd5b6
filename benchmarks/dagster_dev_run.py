"""A run launched in `dagster dev`, as from its UI: how long it takes, or how long it takes to stop.

Starts `dagster dev` on a scratch DAGSTER_HOME over a landing folder, launches `build_warehouse`
for the range of delivery days through Dagster's GraphQL API, and prints the run's status and
duration (from the run's own record). With `--terminate-after S` it terminates the run S seconds
after its dbt step starts, as the UI's Terminate button does, and prints how long the run took
to end, whether a slot of the warehouse's pool is still held and the step failures. It prints
where each GX batch check validated (the GX process, or the run's own process).

    .venv/bin/python benchmarks/dagster_dev_run.py --workdir /tmp/devrun
    .venv/bin/python benchmarks/dagster_dev_run.py --workdir /tmp/devrun --terminate-after 2

Measured figures: docs/benchmarks.md, "Runs launched by dagster dev (stop 40)".
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # run as a script: the tests' `dagster dev` helper
sys.path.insert(0, str(REPO))  # and the project's packages
from dagster_dev import dagster_dev  # noqa: E402

ENDED = ("SUCCESS", "FAILURE", "CANCELED")
TERMINATE = """mutation($runId: String!) {
  terminateRun(runId: $runId) { __typename ... on TerminateRunFailure { message } ... on PythonError { message } }
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True, help="a scratch folder (emptied first)")
    parser.add_argument("--landing", type=Path, default=REPO / "tests" / "fixtures" / "handmade_landing")
    parser.add_argument("--first-day", default="2026-09-14")
    parser.add_argument("--last-day", default="2026-09-28")
    parser.add_argument("--terminate-after", type=float, help="seconds after the dbt step starts")
    args = parser.parse_args()

    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    home = args.workdir / ".dagster"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DAGSTER_HOME", "DBT_"))}
    env.update(
        DAGSTER_HOME=str(home),
        FINGERTIP_LANDING=str(args.landing.resolve()),
        FINGERTIP_WAREHOUSE=str(args.workdir / "warehouse.duckdb"),
    )
    os.environ.update(env)
    from orchestration.settings import ensure_dagster_home

    ensure_dagster_home(home)
    with dagster_dev(env, args.workdir / "dagster_dev.log") as (_, port):
        report(args, home, port)


def report(args: argparse.Namespace, home: Path, port: int) -> None:
    from dagster import DagsterEventType, DagsterInstance
    from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    tags = {"dagster/asset_partition_range_start": args.first_day, "dagster/asset_partition_range_end": args.last_day}
    deadline = time.monotonic() + 120
    while True:  # the webserver takes a few seconds to load the code location
        try:
            run_id = client.submit_job_execution("build_warehouse", tags=tags)
            break
        except (DagsterGraphQLClientError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    instance = DagsterInstance.from_config(str(home))
    terminated_at = None
    if args.terminate_after is not None:
        while "warehouse_models" not in {
            e.dagster_event.step_key for e in instance.all_logs(run_id, of_type=DagsterEventType.STEP_START)
        }:
            if client.get_run_status(run_id).value in ENDED:
                sys.exit(f"the run ended before its dbt step started: {client.get_run_status(run_id).value}")
            time.sleep(0.2)
        time.sleep(args.terminate_after)
        terminated_at = time.monotonic()
        print("terminateRun:", client._execute(TERMINATE, {"runId": run_id})["terminateRun"]["__typename"])  # noqa: SLF001
    while (status := client.get_run_status(run_id).value) not in ENDED:
        time.sleep(0.2)
    record = instance.get_run_records(limit=1)[0]
    print(f"run {run_id}: {status}, {record.end_time - record.start_time:.1f} s from its start to its end")
    if terminated_at is not None:
        print(f"ended {time.monotonic() - terminated_at:.1f} s after terminateRun")
    held = instance.event_log_storage.get_concurrency_info("duckdb_warehouse").claimed_slots
    print(f"slots of the warehouse's pool held: {len(held)}")
    for event in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = event.dagster_event.event_specific_data
        where = evaluation.metadata.get("validated_in")
        if where is not None:
            print(f"{evaluation.asset_check_key.name}: validated in {where.value}")
    for event in instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE):
        print(
            f"step failed: {event.dagster_event.step_key}: {event.dagster_event.event_specific_data.error.message.strip()[:200]}"
        )


if __name__ == "__main__":
    main()
