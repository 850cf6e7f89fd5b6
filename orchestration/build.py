"""One build of everything through Dagster's own APIs, and its summary.

All delivery days found go into a single run (a one-run backfill of the
partition range), followed in that run by the dbt build and the publish.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
import os
import sys
from pathlib import Path

import duckdb

from orchestration.settings import Settings
from sources.landing import delivery_days, misnamed_folders, reference_file

# Without these no event can be validated (their ids are what events refer to).
REQUIRED_REFERENCE_TABLES = ("cadres", "apps", "campaigns")


def missing_reference_tables(landing: Path) -> list[str]:
    return [table for table in REQUIRED_REFERENCE_TABLES if reference_file(landing, table) is None]


def _describe_failed_check(evaluation) -> str:
    """`source:check` plus what failed, from the check's own metadata."""
    name = evaluation.asset_check_key.to_user_string()
    failures = evaluation.metadata.get("failures")
    detail = getattr(failures, "value", None) or getattr(failures, "text", None)
    return f"{name} ({str(detail).replace(chr(10), '; ')})" if detail else name


def prepare_dbt_manifest() -> None:
    """dagster-dbt reads target/manifest.json at import; outside `dagster dev` parse first."""
    from orchestration.resources import dbt_project

    dbt_project.preparer.prepare(dbt_project)


def build_all(settings: Settings) -> int:
    from dagster import DagsterInstance
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    prepare_dbt_manifest()
    from orchestration.definitions import make_definitions
    from orchestration.partitions import delivery_day

    for folder in misnamed_folders(settings.landing):
        print(f"warning: {folder} is not a dt=YYYY-MM-DD folder and was not read: rename it to its delivery date.")
    known = set(delivery_day.get_partition_keys(current_time=datetime.fromisoformat(settings.last_day) + timedelta(days=2)))
    days = delivery_days(settings.landing)
    outside = [d for d in days if d not in known]
    for day in outside:
        print(
            f"warning: dt={day} is outside the delivery days Dagster knows "
            f"({settings.first_day} to {settings.last_day}) and was not read: "
            "set FINGERTIP_FIRST_DAY / FINGERTIP_LAST_DAY, or check the folder name."
        )
    days = [d for d in days if d in known]
    if not days:
        print(f"error: no dt=YYYY-MM-DD delivery folders under {settings.landing}: the landing contract puts events in <source>/dt=YYYY-MM-DD/.", file=sys.stderr)
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

    instance = DagsterInstance.get()
    job = make_definitions(settings).resolve_job_def("build_warehouse")
    # dbt's own progress lines go to a log file; the terminal gets the summary.
    build_log = Path(os.environ["DAGSTER_HOME"]) / "last_build.log"
    with build_log.open("w") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=instance,
            tags={ASSET_PARTITION_RANGE_START_TAG: days[0], ASSET_PARTITION_RANGE_END_TAG: days[-1]},
            raise_on_error=False,
            # Step-by-step logs stay in the Dagster instance (`make dev`) and the build log.
            # Failed steps are reported below in one line each, not as Dagster tracebacks.
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    failed_checks = [_describe_failed_check(e.asset_check_evaluation_data) for e in result.all_events
                     if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.asset_check_evaluation_data.passed]
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                error = event.step_failure_data.error
                # The user's exception, not Dagster's wrapper of it.
                while error is not None and error.cause is not None:
                    error = error.cause
                message = error.message.strip().splitlines()[0] if error else "unknown error"
                prefix, _, rest = message.partition(": ")
                if error is not None and rest and prefix.endswith(error.cls_name):
                    message = rest  # drop the exception's class name
                print(f"error: step {event.step_key} failed: {message}", file=sys.stderr)
        print(f"error: the build failed (run {result.run_id}); full log: {build_log}, or open `make dev`.", file=sys.stderr)
        return 1
    print_summary(settings, days, result.run_id, failed_checks)
    return 0


def print_summary(settings: Settings, days: list[str], run_id: str, failed_checks: list[str]) -> None:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
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
    print(f"fingertip: built {len(days)} delivery days ({days[0]} to {days[-1]}) in one Dagster run, {run_id}")
    print(f"  {'source':<11} {'files':>6} {'read':>9} {'loaded':>9} {'duplicate':>9} {'quarantined':>11} {'rejected files':>14}")
    for source, files, read, loaded, dup, quarantined, rejected in per_source:
        print(f"  {source:<11} {files:>6} {read:>9} {loaded:>9} {dup:>9} {quarantined:>11} {rejected:>14}")
    print(f"  flags: {', '.join(f'{code} {n}' for code, n in flags) or 'none'}")
    print(f"  cadre-months: {cadre_months}")
    if mails or os.environ.get("FINGERTIP_ALERT_TO") or os.environ.get("FINGERTIP_ALERT_ROUTING"):
        print(
            f"  alert mails: {mails.get('sent', 0)} sent, {mails.get('pending', 0)} pending, "
            f"{mails.get('failed', 0)} failed (select * from ops.alert_outbox)"
        )
    else:
        print("  alert mails: none, no recipients: set FINGERTIP_ALERT_TO and FINGERTIP_SMTP_HOST to e-mail flags")
    for check in failed_checks:
        # Data-quality warnings: the build still succeeded; the rows are in the warehouse.
        print(f"  failed check: {check}")
    print(f"  warehouse: {settings.warehouse}")
    print(f"  analysts' copy: {settings.publish}")
    print(f"  lake: {settings.lake}; quarantine: select * from ops.quarantine")


