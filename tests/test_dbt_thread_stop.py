"""A process that ends while its dbt runs on a thread stops dbt first, and ends at once.

A run terminated from `dagster dev`'s UI interrupts the dbt step between two events of dbt's
stream: Dagster raises the interruption outside the asset's generator, which is never resumed,
so nothing in it stops dbt, and the process goes on to end. The exit functions of the modules
dbt imports as it runs then took its ground away: multiprocessing's ended the pool of dbt's
workers while dbt's thread waited for their results, dbt-duckdb's dropped the database its
nodes used. The process waited the whole stop timeout (30 s), then ended with exit 130 and
"error: dbt did not stop".

Here a process leaves the stream of a real dbt build once its first node starts, and ends:
- one multiprocessing started, as `dagster dev`'s code server starts a run's worker (whose steps
  run in it since stop 40) and Dagster's default executor each step: multiprocessing's exit
  comes before Python's there, and this one failed as above;
- one Python runs and ends, as `fingertip run`: with no stop, Python's exit abandons dbt in the
  middle of its nodes, with no run results (stop 39 saw such an exit abort the process:
  SIGABRT, "FATAL: exception not rethrown").
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import REPO

from orchestration.dbt_runner import CANCEL_SECONDS

SUSPENDED = []  # the streams left as Dagster leaves an interrupted step's: not resumed, not closed


def leave_dbt_running(warehouse: str, lake: str, target: str) -> None:
    """Start `dbt build`, read its events until a node starts, then end (the time it left dbt
    running in target/left_at)."""
    os.environ.update(FINGERTIP_WAREHOUSE=warehouse, FINGERTIP_LAKE=lake)
    from orchestration.resources import dbt_cli

    events = dbt_cli().cli(["build"], target_path=Path(target)).stream_raw_events()
    for event in events:
        if event.raw_event["info"]["name"] == "LogStartLine":
            break
    SUSPENDED.append(events)
    (Path(target) / "left_at").write_text(str(time.time()))


def end_in_python(args: tuple[str, str, str], capfd) -> tuple[int, str]:
    code = f"import test_dbt_thread_stop as step; step.leave_dbt_running(*{args!r})"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "tests"), str(REPO)])}
    ended = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120 + CANCEL_SECONDS)
    return ended.returncode, ended.stderr


def end_in_multiprocessing(args: tuple[str, str, str], capfd) -> tuple[int, str]:
    step = multiprocessing.get_context("spawn").Process(target=leave_dbt_running, args=args)
    step.start()
    step.join(timeout=120 + CANCEL_SECONDS)
    if step.is_alive():
        step.kill()
        raise AssertionError("the process neither ended nor gave up on dbt")
    return step.exitcode, capfd.readouterr().err


@pytest.mark.parametrize("end", [end_in_python, end_in_multiprocessing], ids=["python", "multiprocessing"])
def test_a_process_that_ends_while_dbt_runs_stops_dbt_and_ends_at_once(end, handmade_build, tmp_path, capfd):
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "target"
    shutil.copy(handmade_build / "warehouse.duckdb", warehouse)
    code, err = end((str(warehouse), str(handmade_build / "lake"), str(target)), capfd)
    ended_at = time.time()
    left_at = target / "left_at"
    assert left_at.exists(), f"the process never got as far as dbt's first node: {err[-3000:]}"
    assert code == 0, err[-3000:]
    assert "did not stop" not in err and "FATAL" not in err, err[-3000:]
    assert ended_at - float(left_at.read_text()) < CANCEL_SECONDS / 3
    # dbt stopped as Ctrl-C stops it: it wrote the results of the nodes it ran.
    assert (target / "run_results.json").exists(), err[-3000:]
    # Nothing is left holding the warehouse: it opens for writing.
    duckdb.connect(str(warehouse)).close()


def test_a_failure_before_dbt_starts_ends_the_event_stream_and_is_reported():
    """The build reads dbt's events until the last one: a thread that failed before dbt started (here
    an environment dbt could not be given) must still end the stream, with its error, not hang."""
    import queue

    from orchestration.dbt_runner import _DONE, DbtThread

    name = "FINGERTIP_TEST_NOT_TEXT"
    thread = DbtThread(["dbt", "build"], {name: 1}).start()
    try:
        assert thread.events.get(timeout=60) is _DONE
    except queue.Empty:
        raise AssertionError("the thread ended without ending its event stream: the build would wait forever") from None
    assert thread.wait(timeout=60) == 2
    assert isinstance(thread.exception, TypeError)
    assert name not in os.environ
