"""The landing sensor, the daily schedule and the run-failure mail, evaluated as Dagster would.

Sensors and the schedule are called with contexts from Dagster's own builders,
on real folders and a real (ephemeral) Dagster instance; the failure mail goes
to a real SMTP server.
"""

import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dagster import (
    DagsterInstance,
    Failure,
    SensorResult,
    asset,
    build_run_status_sensor_context,
    build_schedule_context,
    build_sensor_context,
    job,
    materialize,
    op,
)
from smtp_server import SmtpServer, free_port

from orchestration.jobs import build_warehouse
from orchestration.partitions import delivery_day, delivery_day_partitions
from orchestration.resources import alert_config_from_env
from orchestration.schedules import daily_build
from orchestration.sensors import email_ops_on_run_failure, landing_sensor
from orchestration.settings import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG

# aiosmtpd warns that the test server takes AUTH without TLS: that is the point (the password crosses the wire).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Delivery days a little in the past: real partitions of delivery_day whatever today is.
D1, D2, D3 = [(date.today() - timedelta(days=n)).isoformat() for n in (12, 11, 10)]
LOGIN = "login_id,cadre_id,app_id,device_id,ip,login_at,logout_at,actions\nL1,C1,A1,d1,1.2.3.4,{day}T08:00:00+08:00,,0\n"


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("FINGERTIP_"):
            monkeypatch.delenv(name)
    return monkeypatch


def deliver(landing, source, day, name, text="x\n", age_seconds=120):
    """A delivered file, last modified `age_seconds` ago."""
    path = landing / source / f"dt={day}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def tick(cursor, instance):
    """One sensor evaluation, as the daemon does it: the previous tick's cursor in."""
    result = landing_sensor(build_sensor_context(cursor=cursor, instance=instance))
    assert isinstance(result, SensorResult)
    return result


def test_landing_sensor_requests_a_run_for_each_day_with_new_files(tmp_path, clean_env):
    landing = tmp_path / "landing"
    clean_env.setenv("FINGERTIP_LANDING", str(landing))
    instance = DagsterInstance.ephemeral()
    deliver(landing, "app_logins", D1, "part-0.csv", LOGIN.format(day=D1))
    deliver(landing, "votes", D1, "part-0.jsonl")

    first = tick(None, instance)
    assert [(r.partition_key, r.job_name) for r in first.run_requests] == [(D1, None)]
    assert first.run_requests[0].partition_key in delivery_day.get_partition_keys()
    assert json.loads(first.cursor)["days"].keys() == {D1}

    # Files arrive in a second day's folders (two sources): one run, for that day.
    deliver(landing, "checkins", D2, "part-0.csv")
    deliver(landing, "checkins", D2, "part-1.csv.gz")
    deliver(landing, "cases", D2, "part-0.jsonl")
    second = tick(first.cursor, instance)
    assert [r.partition_key for r in second.run_requests] == [D2]

    # Nothing new: no run.
    third = tick(second.cursor, instance)
    assert third.run_requests == []
    assert third.skip_reason is not None

    # A file still being written (just modified) or hidden waits; once settled it gives one run.
    fresh = deliver(landing, "reports", D3, "part-0.csv", age_seconds=0)
    deliver(landing, "reports", D3, ".part-1.csv.uploading")
    assert tick(third.cursor, instance).run_requests == []
    stamp = time.time() - 120
    os.utime(fresh, (stamp, stamp))
    fourth = tick(third.cursor, instance)
    assert [r.partition_key for r in fourth.run_requests] == [D3]

    # One more file in an already built day: that day again, under a new run key.
    deliver(landing, "app_logins", D1, "late.csv", LOGIN.format(day=D1))
    fifth = tick(fourth.cursor, instance)
    assert [r.partition_key for r in fifth.run_requests] == [D1]
    assert fifth.run_requests[0].run_key != first.run_requests[0].run_key
    assert tick(fifth.cursor, instance).run_requests == []


def test_landing_sensor_builds_consecutive_days_with_new_files_in_one_run_of_their_range(tmp_path, clean_env):
    """A backlog (or the first tick's every day) is one run per block of consecutive days, as
    `fingertip run` builds a landing: a run per day paid a run's start and a dbt build each, and
    waited at the warehouse's pool for the others' (17 days: 250 s in `dagster dev`, 27 s as one
    run). A day between two blocks, with nothing settled and new, is in no run's range."""
    landing = tmp_path / "landing"
    clean_env.setenv("FINGERTIP_LANDING", str(landing))
    later = (date.fromisoformat(D3) + timedelta(days=2)).isoformat()
    for day in (D1, D2, D3, later):
        deliver(landing, "app_logins", day, "part-0.csv", LOGIN.format(day=day))
    skipped = (date.fromisoformat(D3) + timedelta(days=1)).isoformat()
    deliver(landing, "votes", skipped, "part-0.csv", age_seconds=0)  # still being written
    backlog, single = tick(None, DagsterInstance.ephemeral()).run_requests
    assert backlog.partition_key is None
    assert (backlog.tags[PARTITION_RANGE_START_TAG], backlog.tags[PARTITION_RANGE_END_TAG]) == (D1, D3)
    assert backlog.tags["fingertip/files"] == "3" and backlog.run_key.startswith(f"{D1}..{D3}@")
    assert single.partition_key == later and PARTITION_RANGE_START_TAG not in single.tags


def test_landing_sensor_cursor_survives_a_restart_and_run_keys_collapse_duplicates(tmp_path, clean_env):
    landing = tmp_path / "landing"
    clean_env.setenv("FINGERTIP_LANDING", str(landing))
    deliver(landing, "app_logins", D1, "part-0.csv")
    deliver(landing, "votes", D2, "part-0.csv")
    before = tick(None, DagsterInstance.ephemeral())
    assert len(before.run_requests) == 1

    # A restarted daemon gets the stored cursor (a string) back: nothing is requested again.
    restarted = tick(str(before.cursor), DagsterInstance.ephemeral())
    assert restarted.run_requests == []

    # A lost cursor asks again, but with the same run keys, which Dagster starts only once.
    again = tick(None, DagsterInstance.ephemeral())
    assert [r.run_key for r in again.run_requests] == [r.run_key for r in before.run_requests]
    # Another file in one of the days: another key.
    deliver(landing, "cases", D2, "part-0.jsonl")
    assert [r.run_key for r in tick(None, DagsterInstance.ephemeral()).run_requests] != [r.run_key for r in before.run_requests]


def test_landing_sensor_waits_for_a_day_that_has_no_partition_yet(tmp_path, clean_env):
    landing = tmp_path / "landing"
    clean_env.setenv("FINGERTIP_LANDING", str(landing))
    later = (date.fromisoformat(delivery_day.get_partition_keys()[-1]) + timedelta(days=1)).isoformat()
    deliver(landing, "app_logins", later, "part-0.csv")
    deliver(landing, "votes", D1, "part-0.csv")
    result = tick(None, DagsterInstance.ephemeral())
    # Dagster would refuse a run for a partition that does not exist yet: only D1 now...
    assert [r.partition_key for r in result.run_requests] == [D1]
    # ...and the later day stays unseen, so a tick after its partition exists builds it.
    assert later not in json.loads(result.cursor)["days"]


@pytest.mark.parametrize("days_ahead", [2, 40])
def test_a_run_of_days_after_tomorrow_by_this_clock_has_their_partitions(days_ahead):
    """A landing dated ahead of this machine's clock is read (settings.py); a build of one such day
    (FINGERTIP_FIRST_DAY = FINGERTIP_LAST_DAY) made Dagster fail the run: no partition by its clock."""
    today = datetime.now(SHANGHAI).date()
    day = (today + timedelta(days=days_ahead)).isoformat()
    partitions = delivery_day_partitions(day, day, today)

    @asset(partitions_def=partitions)
    def delivered(context) -> str:
        return context.partition_key

    result = materialize([delivered], partition_key=day, instance=DagsterInstance.ephemeral())
    assert result.success
    assert result.output_for_node("delivered") == day


def test_landing_sensor_targets_the_partitioned_build_job():
    assert landing_sensor.job_name == build_warehouse.name
    assert daily_build.job_name == build_warehouse.name


@pytest.mark.parametrize(
    "tick_time, expected",
    [
        # 05:30 in Shanghai on 15 September builds the 14th.
        (datetime(2026, 9, 15, 5, 30, tzinfo=SHANGHAI), "2026-09-14"),
        # The same moment given in UTC (still the 14th there): still the local previous day.
        (datetime(2026, 9, 14, 21, 30, tzinfo=UTC), "2026-09-14"),
        # Across a month and a year boundary.
        (datetime(2027, 1, 1, 5, 30, tzinfo=SHANGHAI), "2026-12-31"),
    ],
)
def test_daily_schedule_builds_the_previous_local_day(tick_time, expected):
    assert daily_build.execution_timezone == "Asia/Shanghai"
    assert daily_build.cron_schedule == "30 5 * * *"
    request = daily_build(build_schedule_context(scheduled_execution_time=tick_time))
    assert request.partition_key == expected


def test_daily_schedule_skips_a_day_before_the_first_delivery_day():
    first = date.fromisoformat(delivery_day.get_first_partition_key())
    tick = datetime.combine(first, datetime.min.time().replace(hour=5, minute=30), tzinfo=SHANGHAI)
    outcome = daily_build(build_schedule_context(scheduled_execution_time=tick))
    assert "outside the delivery days" in outcome.skip_message


@op
def ingest_day():
    raise Failure("checkins/dt=2026-09-14/part-0.csv: reference/cadres has no valid rows")


@job
def failing_job():
    ingest_day()


def _failure_context(instance):
    result = failing_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    return build_run_status_sensor_context(
        sensor_name="email_ops_on_run_failure",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure(), result.run_id


def test_run_failure_sensor_mails_the_failed_step_and_its_error(clean_env):
    instance = DagsterInstance.ephemeral()
    context, run_id = _failure_context(instance)
    with SmtpServer("ops-robot", "failure-pw-31337") as server:
        for name, value in server.env(FINGERTIP_OPS_TO="data-eng@alerts.test").items():
            clean_env.setenv(name, value)
        email_ops_on_run_failure(context, alerts=alert_config_from_env())
    [mail] = server.received
    assert mail.rcpt_tos == ["data-eng@alerts.test"]
    assert "ingest_day" in mail.subject and "failed" in mail.subject
    body = mail.part("plain")
    assert run_id in body
    assert "reference/cadres has no valid rows" in body
    assert "failure-pw-31337" not in str(mail.message)


def test_run_failure_sensor_survives_smtp_down(clean_env):
    instance = DagsterInstance.ephemeral()
    context, _ = _failure_context(instance)
    clean_env.setenv("FINGERTIP_OPS_TO", "data-eng@alerts.test")
    clean_env.setenv("FINGERTIP_SMTP_HOST", "127.0.0.1")
    clean_env.setenv("FINGERTIP_SMTP_PORT", str(free_port()))  # nobody listens there
    clean_env.setenv("FINGERTIP_SMTP_STARTTLS", "false")
    clean_env.setenv("FINGERTIP_SMTP_USER", "ops-robot")
    clean_env.setenv("FINGERTIP_SMTP_PASSWORD", "down-pw-4242")
    outcome = email_ops_on_run_failure(context, alerts=alert_config_from_env())  # does not raise
    assert "could not send" in outcome.skip_message
    assert "down-pw-4242" not in outcome.skip_message


def test_run_failure_sensor_without_settings_skips(clean_env):
    context, _ = _failure_context(DagsterInstance.ephemeral())
    outcome = email_ops_on_run_failure(context, alerts=alert_config_from_env())
    assert "FINGERTIP_OPS_TO" in outcome.skip_message


@pytest.mark.parametrize("written_by", ["none", "an earlier fingertip"])
def test_launched_runs_run_two_at_a_time_also_in_a_home_an_earlier_fingertip_wrote(tmp_path, written_by):
    """Runs the UI, the schedule or a sensor launched beyond two at a time only wait for the
    warehouse's pool, each in a process of its own (Dagster's default is 10)."""
    from orchestration.settings import _OLD_DAGSTER_YAMLS, ensure_dagster_home

    if written_by != "none":
        (tmp_path / "dagster.yaml").write_text(_OLD_DAGSTER_YAMLS[-1])
    ensure_dagster_home(tmp_path)
    config = DagsterInstance.from_config(str(tmp_path)).get_concurrency_config()
    assert config.run_queue_config.max_concurrent_runs == 2
    assert config.pool_config.default_pool_limit == 1
