"""What a build waits for and cleans up after, so that no killed run or open file hangs the next one.

The warehouse's lock file (one build at a time, and whether the last one
finished), runs whose process died while holding the DuckDB pool, a program
holding the warehouse file open, and a watch on a run's pool waits. Every
wait is bounded (FINGERTIP_WAIT_SECONDS) and says what it waits for.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import duckdb

from orchestration.settings import DUCKDB_POOL
from storage.lock import open_lock, pid_alive, process_start_time, try_lock, wait_for  # noqa: F401  (pid_alive: re-exported)

# Run tags that name the process executing a `fingertip run`, so that a later
# run can tell a live run from one whose process was killed.
PID_TAG = "fingertip/pid"
HOST_TAG = "fingertip/host"
# How often a build tries the DuckDB file again while another program holds it.
FILE_POLL_SECONDS = 1.0


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


# ---------------------------------------------------------------- one build per warehouse


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
    fd = open_lock(warehouse)
    try:

        def who() -> str:
            holder = _read_holder(fd)
            return f"pid {holder.get('pid', '?')}, started {holder.get('started', '?')}"

        def say_waiting() -> None:
            say(
                f"waiting: another fingertip run ({who()}) is building {warehouse}; "
                f"waiting up to {wait:.0f} s for it to finish (FINGERTIP_WAIT_SECONDS)"
            )

        def give_up() -> NoReturn:
            raise BuildError(
                f"another fingertip run ({who()}) was still building {warehouse} after {wait:.0f} s: "
                "let it finish and run again, or set FINGERTIP_WAIT_SECONDS to wait longer",
                exit_code=3,
            )

        wait_for(lambda: try_lock(fd), wait, on_wait=say_waiting, give_up=give_up)
        previous = _read_holder(fd)
        if previous.get("state") == "running" and previous.get("pid") != os.getpid():
            say(
                f"note: the last run on {warehouse} (pid {previous.get('pid')}, started {previous.get('started')}) "
                "stopped before it finished; this run cleans up after it and rebuilds"
            )
        _write_holder(
            fd,
            {
                "pid": os.getpid(),
                "host": os.uname().nodename,
                "started": datetime.now().isoformat(timespec="seconds"),
                "state": "running",
            },
        )
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
            say(
                f"note: Dagster run {run_id} was left unfinished by a process that is gone: marked failed, its DuckDB pool slot freed"
            )
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
            say(
                f"waiting: {_describe_holders(holders)} holds the {DUCKDB_POOL} pool (one DuckDB writer at a time); "
                f"waiting up to {wait:.0f} s for it (FINGERTIP_WAIT_SECONDS)"
            )
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
    holder = {"who": "another program"}

    def opened() -> bool:
        try:
            duckdb.connect(str(warehouse)).close()
            return True
        except duckdb.Error as error:
            text = str(error)
            if "lock" not in text.lower():
                raise BuildError(
                    f"cannot open the warehouse {warehouse}: {text.splitlines()[0]}: "
                    "move the file aside (it is rebuilt from the lake) or pass another --warehouse"
                ) from None
            pid = re.search(r"PID (\d+)", text)
            holder["who"] = f"pid {pid.group(1)}" if pid else "another program"
            return False

    def give_up() -> NoReturn:
        raise BuildError(
            f"{warehouse} was still open in {holder['who']} after {wait:.0f} s: close that program "
            "(a DuckDB session on the warehouse blocks the build; analysts should open the published copy) and run again",
            exit_code=3,
        )

    wait_for(
        opened,
        wait,
        interval=FILE_POLL_SECONDS,
        give_up=give_up,
        on_wait=lambda: say(
            f"waiting: {warehouse} is open in {holder['who']}; waiting up to {wait:.0f} s "
            "for it to close it (FINGERTIP_WAIT_SECONDS)"
        ),
    )


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
                    self._give_up(
                        f"interrupted while step {waiting[0]} waited for the {DUCKDB_POOL} pool; nothing was written", 130
                    )
                recover_dead_runs(self.instance, own_run_id=self.run_id)
                holders = pool_holders(self.instance, own_run_id=self.run_id)
                if since is None:
                    since = time.monotonic()
                    if holders:
                        say(
                            f"waiting: step {waiting[0]} needs the {DUCKDB_POOL} pool, held by {_describe_holders(holders)}; "
                            f"waiting up to {self.wait:.0f} s (FINGERTIP_WAIT_SECONDS)"
                        )
                elif time.monotonic() - since >= self.wait:
                    self._give_up(
                        f"step {waiting[0]} waited {self.wait:.0f} s for the {DUCKDB_POOL} pool, held by "
                        f"{_describe_holders(holders) or 'another run'}: let that run finish, or terminate it in the "
                        "Dagster UI (`make dev`), and run again; FINGERTIP_WAIT_SECONDS sets how long to wait",
                        3,
                    )
            except Exception:  # the watch must never break the build it watches
                continue


def stop_busy_wait_for_pool() -> None:
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
