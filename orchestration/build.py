"""One build of everything through Dagster's own APIs, and its summary.

All delivery days found go into a single run (a one-run backfill of the
partition range), followed in that run by the dbt build and the publish.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import os
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from orchestration.errors import INTERRUPTED_EXIT_CODE, dbt_failure_advice, dbt_failures, root_cause_message, was_interrupted
from orchestration.guards import (
    HOST_TAG,
    PID_TAG,
    PoolWatch,
    wait_for_pool,
    wait_for_warehouse_file,
    warehouse_lock,
)
from orchestration.settings import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG, Settings, wait_seconds
from sources.landing import delivery_days, misnamed_folders, reference_file

# Without these no event can be validated (their ids are what events refer to).
REQUIRED_REFERENCE_TABLES = ("cadres", "apps", "campaigns")


def missing_reference_tables(landing: Path) -> list[str]:
    return [table for table in REQUIRED_REFERENCE_TABLES if reference_file(landing, table) is None]


def _describe_failed_check(evaluation) -> str:
    """The summary line of a failed check: `failed check: source:check (what failed)`, from the
    check's own metadata; `check warning: …` for a WARN check (delivery volume, silent units)."""
    from dagster import AssetCheckSeverity

    name = evaluation.asset_check_key.to_user_string()
    failures = evaluation.metadata.get("failures")
    detail = getattr(failures, "value", None) or getattr(failures, "text", None)
    label = "check warning" if evaluation.severity == AssetCheckSeverity.WARN else "failed check"
    return f"{label}: {name} ({str(detail).replace(chr(10), '; ')})" if detail else f"{label}: {name}"


def build_all(settings: Settings) -> int:
    # Until the definitions are made (_build_locked turns it on again), the cycle collector would
    # only walk the modules being imported, again and again: 0.6-0.7 s of full collections per build
    # of the hand-made landing, for a few thousand objects freed.
    gc.disable()
    from orchestration.partitions import delivery_day

    wait = wait_seconds()  # a wrong setting stops the run before anything starts

    for folder in misnamed_folders(settings.landing):
        print(f"warning: {folder} is not a dt=YYYY-MM-DD folder and was not read: rename it to its delivery date.")
    known = set(delivery_day.get_partition_keys(current_time=datetime.fromisoformat(settings.last_day) + timedelta(days=2)))
    days = delivery_days(settings.landing)
    outside = [d for d in days if d not in known]
    if outside:
        # One line for all of them, however many there are.
        span = outside[0] if len(outside) == 1 else f"{outside[0]} to {outside[-1]}"
        print(
            f"warning: {len(outside)} delivery day{'s' if len(outside) > 1 else ''} ({span}) "
            f"outside the delivery days Dagster knows ({settings.first_day} to {settings.last_day}) "
            f"{'were' if len(outside) > 1 else 'was'} not read: set FINGERTIP_FIRST_DAY / FINGERTIP_LAST_DAY to cover them, "
            "or check the folder names.",
            file=sys.stderr if len(outside) == len(days) else sys.stdout,
        )
    days = [d for d in days if d in known]
    if not days:
        if outside:
            print(
                f"error: every delivery day under {settings.landing} is outside {settings.first_day} to {settings.last_day}: "
                "set FINGERTIP_FIRST_DAY / FINGERTIP_LAST_DAY to cover them.",
                file=sys.stderr,
            )
        else:
            print(
                f"error: no dt=YYYY-MM-DD delivery folders under {settings.landing}: the landing contract puts events in <source>/dt=YYYY-MM-DD/.",
                file=sys.stderr,
            )
        return 2

    if settings.engine == "spark" and importlib.util.find_spec("dbt.adapters.spark") is None:
        print(
            "error: FINGERTIP_ENGINE=spark needs the spark extra (pyspark, dbt-spark; Java 17): "
            "pip install -e '.[spark]' (make test-spark does), or unset FINGERTIP_ENGINE to build with DuckDB.",
            file=sys.stderr,
        )
        return 2

    missing = missing_reference_tables(settings.landing)
    if missing:
        print(
            f"error: {', '.join(f'reference/{t}.csv' for t in missing)} missing from {settings.landing}: "
            "events cannot be checked against it; deliver the reference snapshot and re-run.",
            file=sys.stderr,
        )
        return 2
    if reference_file(settings.landing, "units") is None:
        print("warning: reference/units.csv is missing: units get no name, county or office position.")

    # dbt, Dagster and GX are imported here, not at the top: the CLI's other commands need none of them.
    from orchestration.resources import prepare_dbt_manifest
    from storage import gx_process

    try:
        with warehouse_lock(settings.warehouse, wait):
            prepare_dbt_manifest(settings)
            return _build_locked(settings, days, wait)
    finally:
        gx_process.stop()


def _build_locked(settings: Settings, days: list[str], wait: float) -> int:
    """The build, while this process holds the warehouse's lock."""
    from orchestration.checks.expectations import may_validate
    from orchestration.definitions import make_definitions
    from orchestration.event_log import build_instance
    from storage import gx_process

    instance = build_instance(settings.dagster_home)
    # Runs killed earlier (kill -9, a power cut) hold their DuckDB pool slot forever: free them.
    wait_for_pool(instance, wait)
    wait_for_warehouse_file(settings.warehouse, wait)
    # GX's import (1.5-2 s of a core) starts now, in a process of its own, beside the definitions and
    # the ingest. Not before the waits: a run that waits for another would import GX on a core the
    # other run is using, and decide from receipts that run is still writing; one that gives up would
    # have imported it for nothing.
    if may_validate(settings.landing, settings.lake, days):
        gx_process.start()
    job = make_definitions(settings).resolve_job_def("build_warehouse")
    # The imported modules, the definitions and dbt's manifest live until this process ends: the
    # cycle collector (off since build_all started) need not walk them, now or later.
    # What the run allocates from here is collected as before.
    gc.freeze()
    gc.enable()
    run_id = str(uuid.uuid4())
    watch = PoolWatch(instance, run_id, wait)
    # dbt's own progress lines go to a log file; the terminal gets the summary.
    build_log = settings.dagster_home / "last_build.log"
    with build_log.open("w") as log, contextlib.redirect_stdout(log):
        watch.start()
        try:
            result = job.execute_in_process(
                instance=instance,
                run_id=run_id,
                tags={
                    PARTITION_RANGE_START_TAG: days[0],
                    PARTITION_RANGE_END_TAG: days[-1],
                    PID_TAG: str(os.getpid()),
                    HOST_TAG: os.uname().nodename,
                },
                raise_on_error=False,
                # Step-by-step logs stay in the Dagster instance (`make dev`) and the build log.
                # Failed steps are reported below in one line each, not as Dagster tracebacks.
                run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            )
        finally:
            watch.stop()
    failed_checks = [
        _describe_failed_check(e.asset_check_evaluation_data)
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.asset_check_evaluation_data.passed
    ]
    if not result.success:
        interrupted_steps = []
        for event in result.all_events:
            if event.is_step_failure and was_interrupted(event.step_failure_data.error):
                interrupted_steps.append(event.step_key)
            elif event.is_step_failure:
                message = root_cause_message(event.step_failure_data.error)
                print(f"error: step {event.step_key} failed: {message}", file=sys.stderr)
        run_interrupted = any(e.is_run_failure and was_interrupted(e.job_failure_data.error) for e in result.all_events)
        interrupted = bool(interrupted_steps or run_interrupted)
        if interrupted:
            where = f" in step {', '.join(interrupted_steps)}" if interrupted_steps else ""
            print(
                f"error: interrupted{where} (run {result.run_id}, marked failed); "
                "the next `fingertip run` finishes or redoes what this one left",
                file=sys.stderr,
            )
        else:
            # dbt says which model or test failed, and why, in its own log: one line each.
            for line in dbt_failures(build_log):
                print(f"error: dbt: {line}", file=sys.stderr)
            for line in dbt_failure_advice(build_log, settings.warehouse):
                print(f"error: {line}", file=sys.stderr)
        log_failures(build_log, result)  # after dbt's lines are read: these errors repeat them
        if interrupted:
            return INTERRUPTED_EXIT_CODE
        print(f"error: the build failed (run {result.run_id}); full log: {build_log}, or open `make dev`.", file=sys.stderr)
        return 1
    print_summary(settings, days, result.run_id, failed_checks)
    return 0


def log_failures(build_log: Path, result) -> None:
    """Each failed step's whole error, with its causes and tracebacks, at the end of the build log
    the terminal's one-line errors point to (it holds dbt's output only: a step before or after
    dbt that failed left it empty)."""
    with build_log.open("a") as log:
        for event in result.all_events:
            if event.is_step_failure:
                log.write(f"\nstep {event.step_key} failed:\n{event.step_failure_data.error.to_string()}\n")


def print_summary(settings: Settings, days: list[str], run_id: str, failed_checks: list[str]) -> None:
    from orchestration.incremental import LAST_BUILD_ITEM, recorded_state
    from orchestration.resources import Warehouse

    with Warehouse(database=str(settings.warehouse), published=str(settings.publish)).read_only() as con:
        per_source = con.execute(
            """
            select source, count(*) as files, sum(coalesce(rows_read, 0)), sum(rows_loaded), sum(rows_duplicate),
                   sum(coalesce(rows_quarantined, 0)), count(case when status = 'rejected' then 1 end)
            from ops.load_audit group by source order by source
            """
        ).fetchall()
        flags = con.execute("select flag_code, count(*) from marts.padding_flags group by 1 order by 1").fetchall()
        cadre_months = con.execute("select count(*) from marts.cadre_monthly").fetchone()[0]
        has_outbox = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'ops' and table_name = 'alert_outbox'"
        ).fetchone()[0]
        mails = dict(con.execute("select status, count(*) from ops.alert_outbox group by 1").fetchall()) if has_outbox else {}
        rebuilt = (recorded_state(con) or {}).get(LAST_BUILD_ITEM)
    print(f"fingertip: built {len(days)} delivery days ({days[0]} to {days[-1]}) in one Dagster run, {run_id}")
    print(f"  {'source':<11} {'files':>6} {'read':>9} {'loaded':>9} {'duplicate':>9} {'quarantined':>11} {'rejected files':>14}")
    for source, files, read, loaded, dup, quarantined, rejected in per_source:
        print(f"  {source:<11} {files:>6} {read:>9} {loaded:>9} {dup:>9} {quarantined:>11} {rejected:>14}")
    print(f"  flags: {', '.join(f'{code} {n}' for code, n in flags) or 'none'}")
    print(f"  cadre-months: {cadre_months}")
    if rebuilt:
        print(f"  dbt: {rebuilt}")
    from orchestration.resources import alert_config_from_env

    alerting = alert_config_from_env()
    if mails or alerting.to or alerting.routing:
        print(
            f"  alert mails: {mails.get('sent', 0)} sent, {mails.get('pending', 0)} pending, "
            f"{mails.get('failed', 0)} failed (select * from ops.alert_outbox)"
        )
    else:
        print("  alert mails: none, no recipients: set FINGERTIP_ALERT_TO and FINGERTIP_SMTP_HOST to e-mail flags")
    for check in failed_checks:
        # Data-quality warnings: the build still succeeded; the rows are in the warehouse.
        print(f"  {check}")
    print(f"  warehouse: {settings.warehouse}")
    print(f"  analysts' copy: {settings.publish}")
    print(f"  lake: {settings.lake}; quarantine: select * from ops.quarantine")
    if settings.engine == "spark":
        print(f"  engine: spark; its catalog, scratch files and Parquet output: {settings.spark_dir}")
