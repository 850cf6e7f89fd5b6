"""A run that Dagster launched waits for the warehouse's pool asleep, as `fingertip run` does.

The steps that write the warehouse share a pool of one slot (settings.DUCKDB_POOL). Dagster
1.13 re-checks a blocked claim in a tight loop: every run the UI, the schedule or a sensor
launched that waited for the pool spun a whole core (the landing sensor's first tick over 17
days started 17 runs: about 540 s, against 12 s for one build). Only `fingertip run` slept.
Here a run of the job's own definitions, in its own process, waits behind a held slot.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
from conftest import REPO, instance_at

WAIT_FOR_POOL = """
from dagster import AssetKey, DagsterInstance
from orchestration.definitions import defs

job = defs.resolve_job_def("build_warehouse")
job.execute_in_process(instance=DagsterInstance.get(), asset_selection=[AssetKey("alert_emails")])
"""
HOLDER = "a run that holds the pool"
MEASURED_SECONDS = 3.0


def test_a_run_waiting_for_the_warehouses_pool_spends_no_cpu(tmp_path):
    from orchestration.settings import DUCKDB_POOL, ensure_dagster_home

    home = tmp_path / ".dagster"
    ensure_dagster_home(home)
    storage = instance_at(home).event_log_storage
    storage.initialize_concurrency_limit_to_default(DUCKDB_POOL)
    assert storage.claim_concurrency_slot(DUCKDB_POOL, HOLDER, "warehouse_models").is_claimed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DAGSTER_HOME"))}
    env.update(DAGSTER_HOME=str(home), FINGERTIP_WAREHOUSE=str(tmp_path / "warehouse.duckdb"), FINGERTIP_LANDING=str(tmp_path))
    waiting = subprocess.Popen([sys.executable, "-c", WAIT_FOR_POOL], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not any(slot.step_key == "alert_emails" for slot in storage.get_concurrency_info(DUCKDB_POOL).pending_steps):
            assert waiting.poll() is None, waiting.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "the run never asked for the pool"
            time.sleep(0.2)
        process = psutil.Process(waiting.pid)
        before = process.cpu_times()
        time.sleep(MEASURED_SECONDS)
        after = process.cpu_times()
        assert waiting.poll() is None, "the run did not wait for the held slot"
    finally:
        waiting.kill()
        waiting.communicate()
    spent = (after.user - before.user) + (after.system - before.system)
    assert spent < MEASURED_SECONDS / 10, f"{spent:.2f} s of CPU in {MEASURED_SECONDS} s of waiting"
