"""Sensors: new landing files start a build of their delivery days; a failed run e-mails the data engineers."""

import hashlib
import json
import time
from datetime import date, timedelta
from pathlib import Path

from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from alerts.mailer import MailSession, describe_error
from alerts.run_failure import StepFailure, failure_mail
from alerts.settings import AlertConfigError
from orchestration.errors import root_cause_message
from orchestration.jobs import build_warehouse
from orchestration.partitions import delivery_day
from orchestration.resources import AlertConfig
from orchestration.settings import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG, Settings, sensor_settle_seconds
from sources.contract import EVENT_SOURCES
from sources.landing import delivery_days, delivery_files

# A file modified less than this many seconds ago may still be being written:
# it is picked up on a later tick, once it has settled.
DEFAULT_SETTLE_SECONDS = 30
CURSOR_VERSION = 1


def landing_snapshot(landing: Path, settle_seconds: float, now: float | None = None) -> dict[str, dict]:
    """dt -> {"digest", "files"} of the settled files in every source's dt= folder.

    The digest covers each file's path, size and mtime, so a new, changed or
    removed file changes its day's digest, and nothing else does.
    """
    now = time.time() if now is None else now
    files_by_day: dict[str, list] = {}
    for source in EVENT_SOURCES:
        for day in delivery_days(landing, source):
            for file in delivery_files(landing, source, day):
                try:
                    stat = file.path.stat()
                except FileNotFoundError:  # removed since it was listed
                    continue
                if now - stat.st_mtime < settle_seconds:
                    continue
                files_by_day.setdefault(day, []).append([file.relative_path, stat.st_size, stat.st_mtime_ns])
    return {
        day: {
            "digest": hashlib.sha256(json.dumps(sorted(files)).encode()).hexdigest()[:24],
            "files": len(files),
        }
        for day, files in files_by_day.items()
    }


def _seen(cursor: str | None) -> dict[str, str]:
    """dt -> digest from the sensor's cursor (empty on the first tick or an unreadable cursor)."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
        return {str(day): str(digest) for day, digest in data.get("days", {}).items()}
    except (ValueError, AttributeError):
        return {}


@sensor(
    name="landing_sensor",
    job=build_warehouse,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description=(
        "Watches FINGERTIP_LANDING: when files arrive in (or change in) a <source>/dt=YYYY-MM-DD/ folder, "
        "starts one build_warehouse run for consecutive delivery days with new files (their range). On its "
        "first tick every day present counts as new."
    ),
)
def landing_sensor(context: SensorEvaluationContext) -> SensorResult:
    landing = Settings.from_env().landing
    settle = sensor_settle_seconds(DEFAULT_SETTLE_SECONDS)
    seen = _seen(context.cursor)
    snapshot = landing_snapshot(landing, settle)
    partition_keys = delivery_day.get_partition_keys()
    known_days = set(partition_keys)

    changed, outside, not_yet = {}, [], []
    for day, state in sorted(snapshot.items()):
        if seen.get(day) == state["digest"]:
            continue
        if day not in known_days:
            # A day's partition exists once the day is over (Asia/Shanghai): later days wait for it.
            (not_yet if partition_keys and day > partition_keys[-1] else outside).append(day)
            continue
        changed[day] = state
        context.log.info(f"dt={day}: new or changed files ({state['files']} in the folder): requesting a build")
    requests = [_build_request({day: changed[day] for day in block}) for block in _consecutive(sorted(changed))]
    if not_yet:
        context.log.info(f"dt={', '.join(not_yet)}: built once the day is over and Dagster has its partition")
    if outside:
        context.log.warning(
            f"dt={', '.join(outside)} before the first delivery day ({partition_keys[0] if partition_keys else '-'}): "
            "not built; set FINGERTIP_FIRST_DAY earlier to cover them, or check the folder names."
        )
    # Days without a partition stay unseen, so they are built once there is one.
    cursor = json.dumps(
        {
            "version": CURSOR_VERSION,
            "days": {d: s["digest"] for d, s in sorted(snapshot.items()) if d not in outside and d not in not_yet},
        },
        sort_keys=True,
    )
    if requests:
        return SensorResult(run_requests=requests, cursor=cursor)
    return SensorResult(skip_reason=SkipReason(f"no new files under {landing}"), cursor=cursor)


def _consecutive(days: list[str]) -> list[list[str]]:
    """The days in blocks of consecutive calendar days: a run's range holds no day that did not
    change, whose folder may hold a file still being written (unsettled files wait for a tick)."""
    blocks: list[list[str]] = []
    for day in days:
        if blocks and date.fromisoformat(day) - date.fromisoformat(blocks[-1][-1]) == timedelta(days=1):
            blocks[-1].append(day)
        else:
            blocks.append([day])
    return blocks


def _build_request(changed: dict[str, dict]) -> RunRequest:
    """One run for consecutive days with new or changed files: a day's, or one of their range (a
    backlog, or the first tick's every day). One run per day ran that many runs, each paying the
    start of a run and a dbt build, and waiting for the others' at the warehouse's pool (17 days:
    250 s against 27 s for one run). The key is the days and their files: the same files, the same
    key, so Dagster starts it once even if the cursor is lost, unless the days then fall into other
    blocks (a lost cursor builds every day again in blocks of its own, which reloads nothing)."""
    days = sorted(changed)
    digest = hashlib.sha256(json.dumps({d: changed[d]["digest"] for d in days}).encode()).hexdigest()[:24]
    tags = {"fingertip/trigger": "landing_sensor", "fingertip/files": str(sum(changed[d]["files"] for d in days))}
    if len(days) == 1:
        return RunRequest(run_key=f"{days[0]}@{digest}", partition_key=days[0], tags=tags)
    tags.update({PARTITION_RANGE_START_TAG: days[0], PARTITION_RANGE_END_TAG: days[-1]})
    return RunRequest(run_key=f"{days[0]}..{days[-1]}@{digest}", tags=tags)


def _step_failures(context: RunFailureSensorContext) -> list[StepFailure]:
    failures = []
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error
        message = root_cause_message(error)
        failures.append(StepFailure(event.step_key or "?", message, error.to_string() if error else message))
    return failures


def _partition(tags) -> str | None:
    if "dagster/partition" in tags:
        return tags["dagster/partition"]
    start, end = tags.get(PARTITION_RANGE_START_TAG), tags.get(PARTITION_RANGE_END_TAG)
    if start and end:
        return start if start == end else f"{start} to {end}"
    return None


@run_failure_sensor(
    name="email_ops_on_run_failure",
    default_status=DefaultSensorStatus.RUNNING,
    description="E-mails FINGERTIP_OPS_TO the failed step and its error when a run fails (needs FINGERTIP_SMTP_HOST).",
)
def email_ops_on_run_failure(context: RunFailureSensorContext, alerts: AlertConfig):
    run = context.dagster_run
    try:
        settings = alerts.settings()
    except AlertConfigError as exc:
        context.log.error(f"run {run.run_id} failed, and it cannot be e-mailed: {exc}")
        return SkipReason(str(exc))
    if not settings.ops_to or not settings.smtp.configured:
        missing = "FINGERTIP_OPS_TO" if not settings.ops_to else "FINGERTIP_SMTP_HOST"
        context.log.warning(f"run {run.run_id} of {run.job_name} failed; not e-mailed because {missing} is not set.")
        return SkipReason(f"{missing} is not set")
    message = failure_mail(
        sender=settings.smtp.sender,
        to=list(settings.ops_to),
        job_name=run.job_name,
        run_id=run.run_id,
        partition=_partition(run.tags),
        steps=_step_failures(context),
        run_error=context.failure_event.message,
    )
    try:
        with MailSession(settings.smtp) as session:
            session.send(message)
    except Exception as exc:  # noqa: BLE001 - SMTP trouble must not break the sensor
        error = describe_error(exc, settings.smtp)
        context.log.error(f"run {run.run_id} failed, and e-mailing {', '.join(settings.ops_to)} failed too: {error}")
        return SkipReason(f"could not send the failure mail: {error}")
    context.log.info(f"e-mailed {', '.join(settings.ops_to)} about the failed run {run.run_id}")
    return None
