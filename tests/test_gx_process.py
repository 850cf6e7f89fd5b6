"""Great Expectations in a process of its own (storage/gx_process.py): the same verdicts as
in the build's own process, the same errors, and nothing left behind when the build ends,
is killed, or the GX process dies. Real processes, a real GX import."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from orchestration.settings import plausible_window_days
from sources.contract import EVENT_SPECS
from storage import gx_process
from storage.batch_expectations import validate_files
from storage.lake import lake_schema

WINDOW = plausible_window_days()


def login(n: int, at: datetime) -> dict:
    return {
        "login_id": f"L{n}",
        "cadre_id": "C1",
        "app_id": "A1",
        "device_id": "d",
        "ip": "i",
        "login_at": at,
        "logout_at": None,
        "actions": 1,
        "_file": "f.csv",
        "_row": n,
        "_dt": date(2026, 9, 14),
    }


@pytest.fixture(scope="module")
def lake_files(tmp_path_factory) -> dict[str, Path]:
    """A lake file that passes the app_logins suite, and one with a login a month after its delivery."""
    folder = tmp_path_factory.mktemp("gx_lake")
    schema = lake_schema(EVENT_SPECS["app_logins"])
    files = {"good": folder / "good.parquet", "late": folder / "late.parquet"}
    pl.DataFrame([login(1, datetime(2026, 9, 14, 8)), login(2, datetime(2026, 9, 13, 9))], schema=schema).write_parquet(
        files["good"]
    )
    pl.DataFrame([login(1, datetime(2026, 9, 14, 8)), login(2, datetime(2026, 10, 14, 9))], schema=schema).write_parquet(
        files["late"]
    )
    return files


@pytest.fixture(scope="module")
def gx():
    """One GX process for the tests below (each start pays GX's import); the last of them kills it."""
    gx_process.start()
    yield gx_process.process()
    gx_process.stop()


def test_the_gx_process_gives_the_verdicts_of_the_builds_own_process(gx, lake_files):
    for name, file in lake_files.items():
        outcome, where = gx_process.validate("app_logins", [file], WINDOW)
        assert where == f"GX process (pid {gx.pid})", name
        assert outcome == validate_files("app_logins", [str(file)], WINDOW), name
    late, _ = gx_process.validate("app_logins", [lake_files["late"]], WINDOW)
    assert not late["success"] and late["rows"] == 2
    assert late["failures"] == ["expect_column_values_to_be_between(login_at__days_from_delivery): unexpected 1"]


def test_the_gx_process_imports_gx_without_running_scipy_stats_which_still_loads_when_read(tmp_path):
    """Its import leaves scipy.stats unrun (none of fingertip's expectations needs it: about 0.5 s of
    CPU per build), and an expectation that did read from it would get the real module. It never
    imports pyspark (where the spark extra is installed), which it has no use for."""
    probe = (
        "import sys\n"
        "from storage.gx_process import _import_gx\n"
        "_import_gx()\n"
        "import great_expectations.expectations as gxe\n"
        "assert hasattr(gxe, 'ExpectColumnKLDivergenceToBeLessThan')\n"  # registered, scipy and all
        "print('scipy.stats run:', 'scipy.stats._stats_py' in sys.modules)\n"
        "print('pyspark blocked:', 'pyspark' in sys.modules and sys.modules['pyspark'] is None)\n"
        "import scipy.stats\n"
        "print('norm.cdf(0):', scipy.stats.norm.cdf(0.0))\n"
        "print('scipy.stats run:', 'scipy.stats._stats_py' in sys.modules)\n"
    )
    # A script file: pyspark (the spark extra) takes a `python -c` main module for its doctest runner.
    (tmp_path / "probe.py").write_text(probe)
    result = subprocess.run([sys.executable, str(tmp_path / "probe.py")], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == [
        "scipy.stats run: False",
        "pyspark blocked: True",
        "norm.cdf(0): 0.5",
        "scipy.stats run: True",
    ]


def test_batches_sent_ahead_get_their_own_verdicts_in_whatever_order_the_checks_ask(gx, lake_files, tmp_path):
    good, late, gone = [lake_files["good"]], [lake_files["late"]], [tmp_path / "gone.parquet"]
    gx_process.send_ahead("app_logins", good, WINDOW)
    gx_process.send_ahead("app_logins", gone, WINDOW)
    gx_process.send_ahead("app_logins", late, WINDOW)
    gx_process.send_ahead("app_logins", late, WINDOW)  # sent once
    # Asked for last-sent first: the verdicts read before it wait for their own checks.
    assert gx_process.validate("app_logins", late, WINDOW)[0] == validate_files("app_logins", [str(late[0])], WINDOW)
    with pytest.raises(FileNotFoundError):  # the error of the batch sent ahead, raised in its own check
        gx_process.validate("app_logins", gone, WINDOW)
    outcome, where = gx_process.validate("app_logins", good, WINDOW)
    assert where == f"GX process (pid {gx.pid})"
    assert outcome == validate_files("app_logins", [str(good[0])], WINDOW)
    # Nothing is left waiting: a batch asked for again is validated again.
    assert gx_process.validate("app_logins", good, WINDOW)[0] == outcome


def test_a_verdict_sent_ahead_is_not_taken_for_the_file_rewritten_since(gx, lake_files, tmp_path):
    """A run that sent a batch ahead and ended before its check (it failed, or its check was not
    selected) leaves the verdict in a process that may run another run; that run's check on the
    same path, rewritten since, gets a verdict on the file as it is now."""
    day = tmp_path / "data.parquet"
    day.write_bytes(lake_files["good"].read_bytes())
    gx_process.send_ahead("app_logins", [day], WINDOW)
    assert gx_process.validate("app_logins", [lake_files["late"]], WINDOW)[0]["success"] is False  # its reply read past
    day.write_bytes(lake_files["late"].read_bytes())  # the day delivered again: a login a month late
    outcome, where = gx_process.validate("app_logins", [day], WINDOW)
    assert where == f"GX process (pid {gx.pid})"
    assert outcome == validate_files("app_logins", [str(day)], WINDOW)
    assert outcome["success"] is False


def test_validating_files_reads_only_the_values_checked_and_gives_the_verdict_on_the_whole_files(lake_files):
    from storage.batch_expectations import validate_batch

    files = [str(lake_files["good"]), str(lake_files["late"])]
    whole = pl.concat([pl.read_parquet(file) for file in files])
    outcome = validate_files("app_logins", files, WINDOW)
    assert outcome == {**validate_batch(EVENT_SPECS["app_logins"], whole, WINDOW), "rows": 4}
    assert sorted(outcome["failures"]) == [
        "expect_column_values_to_be_between(login_at__days_from_delivery): unexpected 1",
        "expect_compound_columns_to_be_unique(['_file', '_row']): unexpected 4",  # both files name f.csv
    ]


def test_an_error_in_the_gx_process_is_raised_in_the_build_as_it_would_be_there(gx, tmp_path):
    with pytest.raises(FileNotFoundError):
        gx_process.validate("app_logins", [tmp_path / "gone.parquet"], WINDOW)
    assert gx.poll() is None  # and the process goes on serving


def test_ctrl_c_reaches_the_build_and_not_the_gx_process(gx, lake_files):
    """Ctrl-C in a terminal signals the command's whole process group: the build decides, and
    ends the GX process itself; the process neither dies nor prints a traceback of its own."""
    gx.send_signal(signal.SIGINT)
    outcome, where = gx_process.validate("app_logins", [lake_files["late"]], WINDOW)
    assert where == f"GX process (pid {gx.pid})"
    assert outcome == validate_files("app_logins", [str(lake_files["late"])], WINDOW)


def test_a_killed_gx_process_means_the_check_validates_in_the_builds_own_process(gx, lake_files):
    gx.kill()
    gx.wait()
    outcome, where = gx_process.validate("app_logins", [lake_files["late"]], WINDOW)
    assert where == "the build's own process"
    assert not outcome["success"] and outcome["rows"] == 2
    assert gx_process.process() is None  # the dead process is let go; the next build starts its own


def test_a_process_started_after_one_died_with_batches_unanswered_gives_its_own_verdicts(lake_files):
    """A batch sent ahead to a process that died is never answered: the next process's replies
    must not be taken for it (they were, and the check waited for a reply that never came)."""
    gx_process.stop()
    gx_process.start()
    dead = gx_process.process()
    good, late = [lake_files["good"]], [lake_files["late"]]
    try:
        gx_process.send_ahead("app_logins", good, WINDOW)
        dead.kill()
        dead.wait()
        assert gx_process.validate("app_logins", late, WINDOW)[1] == "the build's own process"
        gx_process.start()
        alive = gx_process.process()
        asked = {}
        check = threading.Thread(target=lambda: asked.update(result=gx_process.validate("app_logins", late, WINDOW)), daemon=True)
        check.start()
        check.join(timeout=120)
        assert asked, "the check waited for a reply meant for the dead process's batch"
        assert asked["result"] == (validate_files("app_logins", [str(late[0])], WINDOW), f"GX process (pid {alive.pid})")
    finally:
        gx_process.stop()


def test_told_to_stop_when_done_it_answers_every_batch_sent_then_ends_and_the_checks_get_those_verdicts(lake_files):
    """As the dbt step leaves it: the batch checks run after dbt and read the verdicts it kept."""
    gx_process.stop()  # the module's process, if a test left one
    gx_process.start()
    process = gx_process.process()
    good, late = [lake_files["good"]], [lake_files["late"]]
    try:
        gx_process.send_ahead("app_logins", good, WINDOW)
        gx_process.send_ahead("app_logins", late, WINDOW)
        gx_process.stop_when_done()
        process.wait(timeout=120)  # it ends on its own once it has answered both
        assert gx_process.process() is None
        for batch in (late, good):
            outcome, where = gx_process.validate("app_logins", batch, WINDOW)
            assert where == f"GX process (pid {process.pid})"
            assert outcome == validate_files("app_logins", [str(batch[0])], WINDOW)
        # A batch it was never sent is validated in the build's own process.
        assert gx_process.validate("app_logins", good, WINDOW)[1] == "the build's own process"
    finally:
        gx_process.stop()


def open_files(pid: int) -> set[str]:
    """What process `pid` has open now. It is importing GX meanwhile, opening and closing module files:
    a descriptor closed between the listing and its reading was not held."""
    held = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(FileNotFoundError):
            held.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
    return held


def test_the_gx_process_holds_no_file_of_the_build_open(tmp_path):
    lock = (tmp_path / "warehouse.duckdb.lock").open("w")  # as the build holds the warehouse's lock
    try:
        gx_process.start()
        process = gx_process.process()
        held = open_files(process.pid)
        assert not {target for target in held if target.startswith(str(tmp_path))}
    finally:
        lock.close()
        gx_process.stop()
    assert process.poll() is not None  # stop() ends it


def test_the_gx_process_ends_when_the_build_that_started_it_is_killed(tmp_path):
    build = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from storage import gx_process\n"
            "gx_process.start()\n"
            "print(gx_process.process().pid, flush=True)\n"
            "time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    gx_pid = int(build.stdout.readline())
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 60  # it may finish importing GX first
    while time.monotonic() < deadline and _alive(gx_pid):
        time.sleep(0.2)
    assert not _alive(gx_pid), "the GX process outlived the killed build"


def _alive(pid: int) -> bool:
    """Running, not a zombie (the killed build's orphan is reaped by init, or lingers as a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_run_dagster_launches_starts_the_gx_process_its_checks_read_its_verdicts_and_it_ends_with_the_run(tmp_path):
    """A run on a real instance, as the run worker of `dagster dev`, the schedule or a sensor runs it
    (its steps in one process), starts the GX process at its first loaded batch, as `fingertip run`
    starts it before its run. (A run on an ephemeral instance starts none: tests/test_unchanged_reruns.py.)
    This run has no dbt step to end the process once it has answered; the process that ran the run
    lives on, as a notebook or a service would, and the process still ends with the run."""
    from conftest import FIXTURES, ingest_in_one_run, instance_at

    from orchestration.assets.ingest import event_assets, reference_tables
    from orchestration.checks.expectations import batch_checks

    gx_process.stop()  # none left by an earlier test
    result = ingest_in_one_run(
        FIXTURES / "handmade_landing",
        tmp_path / "lake",
        [reference_tables, *event_assets],
        batch_checks,
        instance_at(tmp_path / ".dagster"),
    )
    left = gx_process.process()
    try:
        validated_in = {e.asset_check_key.name: e.metadata["validated_in"].value for e in result.get_asset_check_evaluations()}
        [pid] = {where.removeprefix("GX process (pid ").removesuffix(")") for where in validated_in.values()}
        assert validated_in == {f"{source}_batch_expectations": f"GX process (pid {pid})" for source in EVENT_SPECS}
        assert left is None, "the GX process outlived the run that started it"
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)
    finally:
        gx_process.stop()  # if it did outlive the run, the next test module must not find it
