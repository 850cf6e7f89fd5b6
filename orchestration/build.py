"""One build of everything through Dagster's own APIs, and its summary.

All delivery days found go into a single run (a one-run backfill of the
partition range), followed in that run by the dbt build and the publish.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.errors import root_cause_message
from orchestration.settings import DUCKDB_POOL, Settings, wait_seconds
from sources.landing import delivery_days, misnamed_folders, reference_file

# Run tags that name the process executing a `fingertip run`, so that a later
# run can tell a live run from one whose process was killed.
PID_TAG = "fingertip/pid"
HOST_TAG = "fingertip/host"
# Dagster's run tags for a partition range (what a one-run backfill sets): public
# names with no public constant; tests/test_definitions.py checks them against Dagster's.
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


class BuildError(Exception):
    """A build cannot start or go on; the message is one line saying what to do.

    `exit_code` 3 means it gave up waiting (FINGERTIP_WAIT_SECONDS), 2 anything else.
    """

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def say(message: str) -> None:
    """A line for the user on stderr (stdout is the build log while Dagster runs)."""
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

def process_start_time(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), or None if there is no such process.

    On Linux from /proc (so that a pid reused by a newer process is not taken
    for the old one); elsewhere only whether the pid exists (start time 0).
    """
    if pid <= 0:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime"))
        # Field 22 (starttime, clock ticks after boot); the command name (field 2) may hold spaces.
        ticks = float(stat.rsplit(")", 1)[1].split()[19])
        state = stat.rsplit(")", 1)[1].split()[0]
        if state in ("Z", "X"):  # a zombie has finished: it holds nothing
            return None
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, IndexError, StopIteration):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return 0.0


def pid_alive(pid: int, existed_at: float | None = None) -> bool:
    """Is `pid` running, and (if `existed_at` is given) the same process that existed then?"""
    started = process_start_time(pid)
    if started is None:
        return False
    return existed_at is None or started <= existed_at + 2


# ---------------------------------------------------------------- one build per warehouse

def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.lock")


def _read_holder(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return json.loads(os.read(fd, 4096).decode() or "{}")
    except (OSError, ValueError):
        return {}


def _write_holder(fd: int, holder: dict) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, json.dumps(holder).encode())


@contextlib.contextmanager
def warehouse_lock(warehouse: Path, wait: float):
    """Hold the warehouse's lock file for the whole build (flock, freed by the kernel when the process dies).

    A second `fingertip run` on the same warehouse says it is waiting, and for
    whom, and gives up after `wait` seconds. The file also records whether the
    last run finished, so a run after a killed one says it is cleaning up.
    """
    fd = os.open(lock_path(warehouse), os.O_RDWR | os.O_CREAT, 0o664)
    try:
        deadline = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _read_holder(fd)
                who = f"pid {holder.get('pid', '?')}, started {holder.get('started', '?')}"
                if deadline is None:
                    deadline = time.monotonic() + wait
                    say(f"waiting: another fingertip run ({who}) is building {warehouse}; "
                        f"waiting up to {wait:.0f} s for it to finish (FINGERTIP_WAIT_SECONDS)")
                if time.monotonic() >= deadline:
                    raise BuildError(
                        f"another fingertip run ({who}) was still building {warehouse} after {wait:.0f} s: "
                        "let it finish and run again, or set FINGERTIP_WAIT_SECONDS to wait longer",
                        exit_code=3,
                    )
                time.sleep(0.5)
        previous = _read_holder(fd)
        if previous.get("state") == "running" and previous.get("pid") != os.getpid():
            say(f"note: the last run on {warehouse} (pid {previous.get('pid')}, started {previous.get('started')}) "
                "stopped before it finished; this run cleans up after it and rebuilds")
        _write_holder(fd, {"pid": os.getpid(), "host": os.uname().nodename,
                           "started": datetime.now().isoformat(timespec="seconds"), "state": "running"})
        try:
            yield previous
        finally:
            holder = _read_holder(fd)
            _write_holder(fd, {**holder, "state": "finished", "finished": datetime.now().isoformat(timespec="seconds")})
    finally:
        os.close(fd)  # closing the last descriptor releases the flock


# ---------------------------------------------------------------- Dagster runs and the DuckDB pool

def run_pids(instance, run) -> dict[int, float]:
    """pid -> a time it was known to run this run: the fingertip/pid tag and the pids of the run's own events.

    Only events from the run worker count (RUN_START and step events), not
    those logged for the run by the launcher, the daemon or the UI.
    """
    pids: dict[int, float] = {}
    record = instance.get_run_record_by_id(run.run_id)
    created = record.create_timestamp.timestamp() if record else time.time()
    if run.tags.get(PID_TAG, "").isdigit() and run.tags.get(HOST_TAG, os.uname().nodename) == os.uname().nodename:
        pids[int(run.tags[PID_TAG])] = created
    from dagster import DagsterEventType

    for entry in instance.all_logs(run.run_id):
        event = entry.dagster_event
        if event is None or not event.pid:
            continue
        if event.event_type == DagsterEventType.RUN_START or event.is_step_event:
            pids.setdefault(event.pid, entry.timestamp)
    return pids


def run_is_alive(instance, run) -> bool:
    """Is a process that ran `run` still there? (A run with no known process counts as alive.)"""
    pids = run_pids(instance, run)
    return not pids or any(pid_alive(pid, at) for pid, at in pids.items())


def recover_dead_runs(instance, own_run_id: str | None = None) -> list[str]:
    """Free the pool slots of runs whose processes are gone, and mark those runs failed.

    A run killed with SIGKILL never frees its DuckDB pool slot nor reports its
    end; without this, every later run would wait for that slot forever.
    """
    from dagster import DagsterRunStatus, RunsFilter

    storage = instance.event_log_storage
    unfinished = instance.get_runs(
        filters=RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.CANCELING])
    )
    suspects = {run.run_id: run for run in unfinished}
    if storage.supports_global_concurrency_limits:
        for run_id in storage.get_concurrency_run_ids():
            if run_id not in suspects:
                suspects[run_id] = instance.get_run_by_id(run_id)
        info = storage.get_concurrency_info(DUCKDB_POOL)
        for slot in info.claimed_slots:
            if slot.run_id not in suspects:
                suspects[slot.run_id] = instance.get_run_by_id(slot.run_id)
    recovered = []
    for run_id, run in suspects.items():
        if run_id == own_run_id:
            continue
        if run is not None and not run.is_finished:
            if run_is_alive(instance, run):
                continue
            instance.report_run_failed(
                run, message="fingertip: the process running this run is gone (killed?); its pool slots were freed by a later run"
            )
            say(f"note: Dagster run {run_id} was left unfinished by a process that is gone: marked failed, its DuckDB pool slot freed")
        if storage.supports_global_concurrency_limits:
            storage.free_concurrency_slots_for_run(run_id)
        recovered.append(run_id)
    return recovered


def pool_holders(instance, own_run_id: str | None = None) -> list[tuple[str, str]]:
    """(run id, step) of every other run's step that holds the DuckDB pool now."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    info = storage.get_concurrency_info(DUCKDB_POOL)
    return [(slot.run_id, slot.step_key) for slot in info.claimed_slots if slot.run_id and slot.run_id != own_run_id]


def _describe_holders(holders: list[tuple[str, str]]) -> str:
    return ", ".join(f"Dagster run {run_id} (step {step})" for run_id, step in holders)


def wait_for_pool(instance, wait: float) -> None:
    """Before the run: wait until no live run holds the DuckDB pool, freeing dead runs' slots."""
    deadline = None
    while True:
        recover_dead_runs(instance)
        holders = pool_holders(instance)
        if not holders:
            return
        if deadline is None:
            deadline = time.monotonic() + wait
            say(f"waiting: {_describe_holders(holders)} holds the {DUCKDB_POOL} pool (one DuckDB writer at a time); "
                f"waiting up to {wait:.0f} s for it (FINGERTIP_WAIT_SECONDS)")
        if time.monotonic() >= deadline:
            raise BuildError(
                f"{_describe_holders(holders)} still held the {DUCKDB_POOL} pool after {wait:.0f} s: let it finish, "
                "or terminate it in the Dagster UI (`make dev`), and run again; FINGERTIP_WAIT_SECONDS sets how long to wait",
                exit_code=3,
            )
        time.sleep(1)


def wait_for_warehouse_file(warehouse: Path, wait: float) -> None:
    """Wait while another program holds the DuckDB file open (DuckDB allows one writer, or readers only)."""
    if not warehouse.exists():
        return
    deadline = None
    while True:
        try:
            duckdb.connect(str(warehouse)).close()
            return
        except duckdb.Error as error:
            text = str(error)
            if "lock" not in text.lower():
                raise BuildError(
                    f"cannot open the warehouse {warehouse}: {text.splitlines()[0]}: "
                    "move the file aside (it is rebuilt from the lake) or pass another --warehouse"
                ) from None
            pid = re.search(r"PID (\d+)", text)
            who = f"pid {pid.group(1)}" if pid else "another program"
            if deadline is None:
                deadline = time.monotonic() + wait
                say(f"waiting: {warehouse} is open in {who}; waiting up to {wait:.0f} s for it to close it (FINGERTIP_WAIT_SECONDS)")
            if time.monotonic() >= deadline:
                raise BuildError(
                    f"{warehouse} was still open in {who} after {wait:.0f} s: close that program "
                    "(a DuckDB session on the warehouse blocks the build; analysts should open the published copy) and run again",
                    exit_code=3,
                ) from None
            time.sleep(1)


class PoolWatch(threading.Thread):
    """While the run executes: if one of its steps waits for the DuckDB pool, say for whom,
    free the slots of dead holders, and give up after the wait limit (or on Ctrl-C/SIGTERM)
    with a one-line message. Dagster's own wait has no limit and ignores interrupts.
    """

    def __init__(self, instance, run_id: str, wait: float):
        super().__init__(name="fingertip-pool-watch", daemon=True)
        self.instance, self.run_id, self.wait = instance, run_id, wait
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)

    def _waiting_steps(self) -> list[str]:
        info = self.instance.event_log_storage.get_concurrency_info(DUCKDB_POOL)
        claimed = {(s.run_id, s.step_key) for s in info.claimed_slots}
        return [p.step_key for p in info.pending_steps if p.run_id == self.run_id and (p.run_id, p.step_key) not in claimed]

    def _give_up(self, message: str, code: int) -> None:
        say(f"error: {message}")
        with contextlib.suppress(Exception):
            run = self.instance.get_run_by_id(self.run_id)
            if run is not None and not run.is_finished:
                self.instance.report_run_failed(run, message=f"fingertip: {message}")
            self.instance.event_log_storage.free_concurrency_slots_for_run(self.run_id)
        os._exit(code)

    def run(self) -> None:
        from dagster._utils.interrupts import check_captured_interrupt

        if not self.instance.event_log_storage.supports_global_concurrency_limits:
            return
        since = None
        while not self.stopped.wait(1.0):
            try:
                waiting = self._waiting_steps()
                if not waiting:
                    since = None
                    continue
                if check_captured_interrupt():
                    self._give_up(f"interrupted while step {waiting[0]} waited for the {DUCKDB_POOL} pool; nothing was written", 130)
                recover_dead_runs(self.instance, own_run_id=self.run_id)
                holders = pool_holders(self.instance, own_run_id=self.run_id)
                if since is None:
                    since = time.monotonic()
                    if holders:
                        say(f"waiting: step {waiting[0]} needs the {DUCKDB_POOL} pool, held by {_describe_holders(holders)}; "
                            f"waiting up to {self.wait:.0f} s (FINGERTIP_WAIT_SECONDS)")
                elif time.monotonic() - since >= self.wait:
                    self._give_up(
                        f"step {waiting[0]} waited {self.wait:.0f} s for the {DUCKDB_POOL} pool, held by "
                        f"{_describe_holders(holders) or 'another run'}: let that run finish, or terminate it in the "
                        "Dagster UI (`make dev`), and run again; FINGERTIP_WAIT_SECONDS sets how long to wait",
                        3,
                    )
            except Exception:  # the watch must never break the build it watches
                continue


def _stop_busy_wait_for_pool() -> None:
    """Dagster 1.13 re-checks a blocked pool claim in a tight loop (`min([0, ...])` is never > 0),
    which burns a CPU for as long as a step waits: sleep until the next check instead."""
    from dagster._core.execution.plan import instance_concurrency_context as icc

    cls = icc.InstanceConcurrencyContext
    if getattr(cls, "_fingertip_patched", False) or not hasattr(cls, "interval_to_next_pending_claim_check"):
        return

    def interval_to_next_pending_claim_check(self) -> float:
        timeouts = getattr(self, "_pending_timeouts", None)
        if not getattr(self, "_pending_claims", None) or not timeouts:
            return 0.0
        return max(0.0, min(ready_at - time.time() for ready_at in timeouts.values()))

    cls.interval_to_next_pending_claim_check = interval_to_next_pending_claim_check
    cls._fingertip_patched = True

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


def prepare_dbt_manifest() -> None:
    """dagster-dbt reads target/manifest.json at import; outside `dagster dev` parse first."""
    from orchestration.resources import dbt_project

    dbt_project.preparer.prepare(dbt_project)


def build_all(settings: Settings) -> int:
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
            print(f"error: every delivery day under {settings.landing} is outside {settings.first_day} to {settings.last_day}: "
                  "set FINGERTIP_FIRST_DAY / FINGERTIP_LAST_DAY to cover them.", file=sys.stderr)
        else:
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

    with warehouse_lock(settings.warehouse, wait):
        prepare_dbt_manifest()  # dbt parse writes the manifest: one build at a time
        return _build_locked(settings, days, wait)


def _build_locked(settings: Settings, days: list[str], wait: float) -> int:
    """The build, while this process holds the warehouse's lock."""
    from dagster import DagsterInstance

    from orchestration.definitions import make_definitions

    instance = DagsterInstance.get()
    # Runs killed earlier (kill -9, a power cut) hold their DuckDB pool slot forever: free them.
    wait_for_pool(instance, wait)
    wait_for_warehouse_file(settings.warehouse, wait)
    _stop_busy_wait_for_pool()
    job = make_definitions(settings).resolve_job_def("build_warehouse")
    run_id = str(uuid.uuid4())
    watch = PoolWatch(instance, run_id, wait)
    # dbt's own progress lines go to a log file; the terminal gets the summary.
    build_log = Path(os.environ["DAGSTER_HOME"]) / "last_build.log"
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
    failed_checks = [_describe_failed_check(e.asset_check_evaluation_data) for e in result.all_events
                     if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.asset_check_evaluation_data.passed]
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                message = root_cause_message(event.step_failure_data.error)
                print(f"error: step {event.step_key} failed: {message}", file=sys.stderr)
        # dbt says which model or test failed in its own log: one line each.
        for line in dbt_failures(build_log):
            print(f"error: dbt: {line}", file=sys.stderr)
        print(f"error: the build failed (run {result.run_id}); full log: {build_log}, or open `make dev`.", file=sys.stderr)
        return 1
    print_summary(settings, days, result.run_id, failed_checks)
    return 0


def dbt_failures(build_log: Path, limit: int = 10) -> list[str]:
    """dbt's 'Failure in …' / 'Error in …' lines from the build log (colours removed)."""
    try:
        text = build_log.read_text(errors="replace")
    except OSError:
        return []
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in text.splitlines()]
    found = list(dict.fromkeys(line for line in lines if line.startswith(("Failure in ", "Error in ", "Runtime Error in "))))
    return found[:limit]


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


