"""A run launched in `dagster dev`, as from its UI: how long it takes, or how long it takes to stop.

Starts `dagster dev` on a scratch DAGSTER_HOME over a landing folder, launches `build_warehouse`
for the range of delivery days through Dagster's GraphQL API, and prints the run's status and
duration (from the run's own record). With `--terminate-after S` it terminates the run S seconds
after its dbt step starts, as the UI's Terminate button does, and prints how long the run took
to end, whether a slot of the warehouse's pool is still held and the step failures. It prints
where each GX batch check validated (the GX process, or the run's own process). With
`--backfill job|assets` it launches a backfill of the days instead, as from the job's partitions
page or the asset graph, and prints each run the backfill made.

    .venv/bin/python benchmarks/dagster_dev_run.py --workdir /tmp/devrun
    .venv/bin/python benchmarks/dagster_dev_run.py --workdir /tmp/devrun --terminate-after 2
    .venv/bin/python benchmarks/dagster_dev_run.py --workdir /tmp/devrun --backfill assets

Measured figures: docs/benchmarks.md, "Runs launched by dagster dev (stop 40)" and the stop 41 section after it.
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
LOCATION = {"repositoryLocationName": "orchestration.definitions", "repositoryName": "__repository__"}
JOBS = "{ repositoriesOrError { ... on RepositoryConnection { nodes { jobs { name } } } } }"
LAUNCH_BACKFILL = """mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } ... on InvalidSubsetError { message }
  }
}"""
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
    parser.add_argument(
        "--backfill",
        choices=["job", "assets"],
        help="launch a backfill of the days instead of a run: of the job (its partitions page) or of every asset (the asset graph)",
    )
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
        if args.backfill:
            backfill(args, home, port)
        else:
            report(args, home, port)


def _client(port: int):
    """Dagster's GraphQL client, once the webserver has loaded the code location."""
    from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    deadline = time.monotonic() + 120
    while True:
        try:
            if "build_warehouse" in str(client._execute(JOBS)):  # noqa: SLF001
                return client
        except (DagsterGraphQLClientError, OSError):
            pass
        if time.monotonic() > deadline:
            sys.exit("dagster dev did not load the code location within 120 s")
        time.sleep(1)


def _took(record) -> str:
    """A run's time from its start to its end, or why there is none."""
    if record.start_time is None or record.end_time is None:
        return "never started" if record.start_time is None else "not ended"
    return f"{record.end_time - record.start_time:.1f} s"


def backfill(args: argparse.Namespace, home: Path, port: int) -> None:
    """A backfill of the days, launched as the UI launches one; how many runs it makes, and how they end."""
    from dagster import DagsterInstance, DailyPartitionsDefinition, PartitionKeyRange

    from orchestration.definitions import defs
    from orchestration.sensors import _partition as run_days  # what the failure mails say of a run's days

    client = _client(port)
    days = DailyPartitionsDefinition(start_date=args.first_day).get_partition_keys_in_range(
        PartitionKeyRange(args.first_day, args.last_day)
    )
    if args.backfill == "job":
        selector = {"repositorySelector": LOCATION, "partitionSetName": "build_warehouse_partition_set"}
        params = {"selector": selector, "partitionNames": days}
    else:
        keys = sorted(defs.resolve_asset_graph().materializable_asset_keys)
        params = {"assetSelection": [{"path": list(key.path)} for key in keys], "partitionNames": days}
    launched = client._execute(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]  # noqa: SLF001
    if launched["__typename"] != "LaunchBackfillSuccess":
        sys.exit(f"the backfill was not launched: {launched}")
    started = time.monotonic()
    instance = DagsterInstance.from_config(str(home))
    while (status := instance.get_backfill(launched["backfillId"]).status.value) in ("REQUESTED", "CANCELING"):
        time.sleep(1)
    while any(run.status.value not in ENDED for run in instance.get_runs()):
        time.sleep(0.5)
    print(
        f"backfill {launched['backfillId']} of {len(days)} days: {status}, {time.monotonic() - started:.1f} s after it was launched"
    )
    for run in reversed(instance.get_runs()):
        record = instance.get_run_record_by_id(run.run_id)
        days_of_run = run_days(run.tags) or "-"
        assets = len(run.asset_selection) if run.asset_selection is not None else "all"
        print(f"run {run.run_id[:8]}: {run.status.value}, {_took(record)}, {assets} assets, days {days_of_run}")


def report(args: argparse.Namespace, home: Path, port: int) -> None:
    from dagster import DagsterEventType, DagsterInstance

    from orchestration.settings import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG

    client = _client(port)
    run_id = client.submit_job_execution(
        "build_warehouse", tags={PARTITION_RANGE_START_TAG: args.first_day, PARTITION_RANGE_END_TAG: args.last_day}
    )
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
    print(f"run {run_id}: {status}, {_took(record)} from its start to its end")
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
