"""A process that ends while its dbt runs on a thread stops dbt first, and ends at once.

`dagster dev` runs each step in a process multiprocessing started. A run terminated from its UI
interrupts the dbt step between two events of dbt's stream: Dagster raises the interruption
outside the asset's generator, which is never resumed, so nothing in it stops dbt, and the
process goes on to end. multiprocessing's exit then ended the pool of dbt's workers while dbt's
thread waited for their results, and dbt-duckdb's dropped the database its nodes used: the
process waited the whole stop timeout (30 s), then ended with exit 130 and
"error: dbt did not stop". Here that step process is a multiprocessing child, as Dagster's,
that leaves the stream of a real dbt build after its first node starts and returns.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb

from orchestration.dbt_runner import CANCEL_SECONDS

SUSPENDED = []  # the streams left as Dagster leaves an interrupted step's: not resumed, not closed


def leave_dbt_running(warehouse: str, lake: str, target: str) -> None:
    """A step process: start `dbt build`, read its events until a node starts, then end (the time
    it left dbt running in target/left_at)."""
    os.environ.update(FINGERTIP_WAREHOUSE=warehouse, FINGERTIP_LAKE=lake)
    from orchestration.resources import dbt_cli

    events = dbt_cli().cli(["build"], target_path=Path(target)).stream_raw_events()
    for event in events:
        if event.raw_event["info"]["name"] == "LogStartLine":
            break
    SUSPENDED.append(events)
    (Path(target) / "left_at").write_text(str(time.time()))


def test_a_step_process_that_ends_while_dbt_runs_stops_dbt_and_ends_at_once(handmade_build, tmp_path, capfd, monkeypatch):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_build / "warehouse.duckdb", warehouse)
    step = multiprocessing.get_context("spawn").Process(
        target=leave_dbt_running, args=(str(warehouse), str(handmade_build / "lake"), str(tmp_path / "target"))
    )
    # Under xdist __main__ names no real file, which a spawned process would run again.
    monkeypatch.delattr(sys.modules["__main__"], "__file__", raising=False)
    step.start()
    step.join(timeout=120 + CANCEL_SECONDS)
    ended_at = time.time()
    if step.is_alive():
        step.kill()
        raise AssertionError("the step process neither ended nor gave up on dbt")
    err = capfd.readouterr().err
    left_at = tmp_path / "target" / "left_at"
    assert left_at.exists(), f"the step process never got as far as dbt's first node: {err[-3000:]}"
    # dbt stopped as Ctrl-C stops it: it wrote its run results, the ones it ran before the stop.
    assert step.exitcode == 0, err[-3000:]
    assert "did not stop" not in err and "FATAL" not in err, err[-3000:]
    assert ended_at - float(left_at.read_text()) < CANCEL_SECONDS / 3
    run_results = tmp_path / "target" / "run_results.json"
    assert run_results.exists(), err[-3000:]
    # Nothing is left holding the warehouse: it opens for writing.
    duckdb.connect(str(warehouse)).close()
