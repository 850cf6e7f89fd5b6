# Longer than 400 lines: each killed-run and waiting scenario needs its own processes and timing set-up.
"""Process-side reliability (issue 11): killed runs, waiting, concurrent runs, odd paths, one-line errors.

Real processes only: `fingertip run` is started as a user would start it, killed
with SIGKILL at real points of a real build (found from the run's own events
in the Dagster instance), and run again.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import forked_cli
import psutil
from conftest import FINGERTIP, FIXTURES, REPO, fingertip, instance_at, query
from dagster_dev import dagster_dev

from orchestration.assets.dbt import BUILD_TARGET_PREFIX
from orchestration.dbt_manifest import dbt_target_dir
from orchestration.dbt_runner import CANCEL_SECONDS
from storage.publish import MARTS

HANDMADE = FIXTURES / "handmade_landing"
QUIRKY = 'o\'brien "dir"; x'  # a quote, double quotes, a semicolon and spaces
RUN_TIMEOUT = 600  # a regression that hangs fails the test instead of hanging it


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DAGSTER_HOME", "DBT_"))}
    env.update(extra)
    return env


def start_run(
    landing: Path, warehouse: Path, log: Path, env: dict | None = None, argv: list[str] | None = None, forked: bool = False
):
    """`fingertip run` in its own process, stdout/stderr to `log`.out/.err: the installed script, or
    `forked` from the tests' fork server (tests/forked_cli.py), about 2 s of CPU cheaper, where how the
    process was started and how Python ends it play no part."""
    args = ["run", "--landing", str(landing), "--warehouse", str(warehouse)]
    out, err = log.with_suffix(".out"), log.with_suffix(".err")
    if forked:
        return forked_cli.start(args, env or clean_env(), REPO, (out, err), new_session=True)
    return subprocess.Popen(
        [*(argv or [FINGERTIP]), *args],
        stdout=out.open("w"),
        stderr=err.open("w"),
        env=env or clean_env(),
        cwd=REPO,
        start_new_session=True,  # its own process group, as a command started from a terminal
    )


def finish(process: subprocess.Popen, log: Path) -> tuple[int, str, str]:
    try:
        code = process.wait(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"fingertip run hung for {RUN_TIMEOUT} s: {log.with_suffix('.err').read_text()[-2000:]}") from None
    return code, log.with_suffix(".out").read_text(), log.with_suffix(".err").read_text()


def run_of(home: Path, pid: int):
    """The Dagster run started by process `pid` (tagged fingertip/pid), or None yet."""
    if not (home / "history").exists():
        return None
    from dagster import RunsFilter

    runs = instance_at(home).get_runs(filters=RunsFilter(tags={"fingertip/pid": str(pid)}))
    return runs[0] if runs else None


def started_steps(home: Path, run_id: str) -> list[str]:
    from dagster import DagsterEventType

    return [e.dagster_event.step_key for e in instance_at(home).all_logs(run_id, of_type=DagsterEventType.STEP_START)]


class DbtProgress:
    """How many of its nodes the dbt build of one run has started, of how many: read from the log in
    its build folder under `dbt_target` as dbt writes it, each line once."""

    def __init__(self, dbt_target: Path, run_id: str) -> None:
        self._logs = f"{BUILD_TARGET_PREFIX}{run_id[:8]}-*/dbt.log"
        self._target, self._read = dbt_target, 0
        self.started, self.total = 0, 0

    def reached(self, share: float) -> bool:
        """Whether dbt has started `share` of its nodes, by what it has logged since the last look."""
        for log in self._target.glob(self._logs):  # one build folder per run's dbt step
            with log.open("rb") as file:
                file.seek(self._read)
                written = file.read()
            whole = written[: written.rfind(b"\n") + 1]  # not the line dbt is writing now
            self._read += len(whole)
            for line in whole.splitlines():
                if b'"LogStartLine"' in line:
                    data = json.loads(line)["data"]
                    self.started, self.total = max(self.started, data["index"]), data["total"]
        return bool(self.total) and self.started >= share * self.total


def kill_when(
    process: subprocess.Popen, home: Path, step: str, dbt_share: float | None, sig: int, dbt_target: Path
) -> tuple[str, tuple[int, int]]:
    """Send `sig` to `process` once its run has started `step` (and, given `dbt_share`, once dbt has
    started that share of its nodes: dbt is mid-build however fast it runs). Returns, once the
    process has ended, the run id and dbt's (nodes started, nodes) when the signal was sent.
    SIGKILL reaches the process, any other signal its whole process group, as Ctrl-C in a terminal
    reaches every process of the command. A run the test gives up on is killed, not left building."""
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while (run := run_of(home, process.pid)) is None or step not in started_steps(home, run.run_id):
            assert process.poll() is None, f"the run ended before step {step} started"
            assert time.monotonic() < deadline, f"step {step} never started"
            time.sleep(0.2)
        dbt = DbtProgress(dbt_target, run.run_id)
        while dbt_share is not None and not dbt.reached(dbt_share):
            assert process.poll() is None, f"the run ended with {dbt.started} of dbt's {dbt.total} nodes started"
            assert time.monotonic() < deadline, f"dbt started {dbt.started} of its {dbt.total} nodes"
            time.sleep(0.05)
        assert process.poll() is None, f"the run ended before the {sig.name}"
        if sig == signal.SIGKILL:
            os.kill(process.pid, sig)
        else:
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=CANCEL_SECONDS + 15)  # an interrupted run may wait that long for dbt
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the run did not end within {CANCEL_SECONDS + 15} s of {sig.name}") from None
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # not left holding the warehouse
        raise
    return run.run_id, (dbt.started, dbt.total)


def table_rows(database: Path, sql: str) -> list[tuple]:
    return query(database, sql)


def same_build(built: Path, reference: Path) -> None:
    """The marts, the load audit and the quarantine match, and the published copy has the same marts."""
    for mart in MARTS:
        sql = f"select * from marts.{mart} order by all"
        assert table_rows(built / "warehouse.duckdb", sql) == table_rows(reference / "warehouse.duckdb", sql), mart
        assert table_rows(built / "analytics.duckdb", f"select count(*) from marts.{mart}") == table_rows(
            reference / "analytics.duckdb", f"select count(*) from marts.{mart}"
        ), mart
    for sql in (
        "select * exclude (loaded_at) from ops.load_audit order by all",
        "select * exclude (quarantined_at) from ops.quarantine order by all",
    ):
        assert table_rows(built / "warehouse.duckdb", sql) == table_rows(reference / "warehouse.duckdb", sql), sql


# Kill points: (the step whose start triggers the kill, the share of dbt's nodes started by then
# or None, the signal). A time after the step's start would miss dbt on a faster machine.
KILL_POINTS = (
    ("checkins", None, signal.SIGKILL),  # ingest: lake folders half written
    ("warehouse_models", 1 / 2, signal.SIGKILL),  # dbt build: models half built in the warehouse
    # Ctrl-C in dbt: dbt runs on a thread of the build's process; left running in DuckDB at exit,
    # it aborted the process (SIGABRT, "FATAL: exception not rethrown").
    ("warehouse_models", 1 / 4, signal.SIGINT),
    ("analytics_copy", None, signal.SIGKILL),  # publish: the copy half written
)
INTERRUPTED = 2  # the Ctrl-C's place in KILL_POINTS


def test_a_run_killed_at_any_stage_never_blocks_the_next_and_it_builds_the_same(handmade_build, tmp_path):
    """Issue 11, item 1: SIGKILL during ingest, dbt and publish; each time the killed run held
    the DuckDB pool or the lock; the next run frees them by itself and the result is an uninterrupted build's.
    Ctrl-C during dbt: the run stops dbt, fails with one error line and frees the pool itself."""
    warehouse = tmp_path / "warehouse.duckdb"
    home = tmp_path / ".dagster"
    # dbt's folder (its build folders and their logs): the one it parsed in, as conftest.fingertip gives it.
    dbt_target = dbt_target_dir()
    env = clean_env(DBT_TARGET_PATH=str(dbt_target))
    killed, held, codes = [], [], []
    for n, (step, dbt_share, sig) in enumerate(KILL_POINTS):
        # SIGKILL ends a process wherever it is, however it was started; Ctrl-C tests how the process
        # ends itself, as Python ends the installed script.
        process = start_run(HANDMADE, warehouse, tmp_path / f"killed{n}", env=env, forked=sig == signal.SIGKILL)
        run_id, nodes = kill_when(process, home, step, dbt_share, sig, dbt_target)
        killed.append(run_id)
        codes.append(process.returncode)
        instance = instance_at(home)
        slots = instance.event_log_storage.get_concurrency_info("duckdb_warehouse").claimed_slots
        held.append({slot.run_id for slot in slots})
        print(f"{sig.name} at {step} (dbt's nodes started {nodes}): steps {started_steps(home, run_id)}; pool held by {held[-1]}")
    # The fault being tested: the run killed in dbt kept the DuckDB pool slot (with no recovery, every
    # later run would wait forever); the run after it freed that slot before its own dbt step.
    assert killed[1] in held[1]
    assert killed[1] not in held[2]
    # Interrupted, the run ended itself: an exit code (not a signal), dbt stopped, nothing held.
    err = (tmp_path / f"killed{INTERRUPTED}").with_suffix(".err").read_text()
    assert codes[INTERRUPTED] == 130, err[-3000:]
    assert "FATAL" not in err and "terminate called" not in err and "Traceback" not in err, err[-3000:]
    assert err.strip().splitlines()[-1].startswith("error: interrupted in step warehouse_models"), err[-3000:]
    assert held[INTERRUPTED] == set()

    started = time.monotonic()
    code, out, err = finish(start_run(HANDMADE, warehouse, tmp_path / "after", env=env, forked=True), tmp_path / "after")
    assert code == 0, err
    assert "Traceback" not in err
    assert "stopped before it finished" in err  # the lock file said the last run never finished
    assert any(f"Dagster run {run_id} was left unfinished" in err for run_id in killed), err
    # Nothing left behind: every killed run is marked failed, no slot is held, no temporary copy remains.
    from dagster import DagsterRunStatus

    instance = instance_at(home)
    assert {instance.get_run_by_id(run_id).status for run_id in killed} == {DagsterRunStatus.FAILURE}
    assert instance.event_log_storage.get_concurrency_info("duckdb_warehouse").claimed_slots == []
    assert not list(tmp_path.glob(".analytics.duckdb.*.tmp*"))
    same_build(tmp_path, handmade_build)
    print(f"recovered after {len(KILL_POINTS)} kills in {time.monotonic() - started:.0f} s")


def _hold_pool(home: Path) -> subprocess.Popen:
    """A live process holding the DuckDB pool slot for a Dagster run, as a `make dev` run's dbt step would."""
    script = f"""
import os, sys, time
os.environ["DAGSTER_HOME"] = {str(home)!r}
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.utils import make_new_run_id
from orchestration.settings import ensure_dagster_home
from pathlib import Path
ensure_dagster_home(Path(os.environ["DAGSTER_HOME"]))
instance = DagsterInstance.get()
run = instance.add_run(DagsterRun(job_name="build_warehouse", run_id=make_new_run_id(), status=DagsterRunStatus.STARTED,
                                  tags={{"fingertip/pid": str(os.getpid())}}))
instance.event_log_storage.initialize_concurrency_limit_to_default("duckdb_warehouse")
status = instance.event_log_storage.claim_concurrency_slot("duckdb_warehouse", run.run_id, "warehouse_models")
assert status.is_claimed, status
print(run.run_id, flush=True)
time.sleep(600)
"""
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO, env=clean_env())
    return holder


def child_commands(pid: int) -> set[str]:
    """The command lines of the processes `pid` runs now (those that end while looked at, left out)."""
    commands = set()
    with contextlib.suppress(psutil.NoSuchProcess):
        for child in psutil.Process(pid).children():
            with contextlib.suppress(psutil.Error):
                commands.add(" ".join(child.cmdline()))
    return commands


def test_a_run_that_must_wait_says_for_what_and_gives_up_then_recovers_when_the_holder_dies(tmp_path):
    """Item 1: a live holder of the DuckDB pool makes the run wait, say so and stop after
    FINGERTIP_WAIT_SECONDS (exit 3, one line); once the holder is killed the next run frees its slot."""
    warehouse = tmp_path / "warehouse.duckdb"
    home = tmp_path / ".dagster"
    holder = _hold_pool(home)
    try:
        holder_run = holder.stdout.readline().strip()
        assert holder_run, "the pool holder did not start"
        started = time.monotonic()
        waiting = start_run(HANDMADE, warehouse, tmp_path / "waiting", env=clean_env(FINGERTIP_WAIT_SECONDS="3"), forked=True)
        helpers = set()
        while waiting.poll() is None:
            helpers |= child_commands(waiting.pid)
            time.sleep(0.05)
        code, _, err = finish(waiting, tmp_path / "waiting")
        waited = time.monotonic() - started
        assert code == 3, err
        # A run that gives up has not spent a core on importing GX beside the run it waited for.
        assert not [command for command in helpers if "-m storage.gx_process" in command], helpers
        lines = err.strip().splitlines()
        assert lines[0].startswith("waiting: ") and holder_run in lines[0] and "FINGERTIP_WAIT_SECONDS" in lines[0], lines
        assert lines[-1].startswith("error: ") and holder_run in lines[-1] and "after 3 s" in lines[-1], lines
        assert "Traceback" not in err and len(lines) == 2, lines
        assert waited < 60
        assert not warehouse.exists()  # gave up before writing anything
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone (SIGKILL, no clean-up): the check every run makes first frees its slot and fails its run.
    instance = instance_at(home)
    assert [s.run_id for s in instance.event_log_storage.get_concurrency_info("duckdb_warehouse").claimed_slots] == [holder_run]
    from orchestration.guards import recover_dead_runs

    assert recover_dead_runs(instance) == [holder_run]
    assert instance.event_log_storage.get_concurrency_info("duckdb_warehouse").claimed_slots == []
    assert instance.get_run_by_id(holder_run).is_failure


def _read_only_checkout(tmp_path: Path) -> Path:
    """A copy of the code whose dbt_project this user cannot write (as on a shared, read-only checkout)."""
    checkout = tmp_path / "checkout"
    for part in ("orchestration", "sources"):
        shutil.copytree(REPO / part, checkout / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "dbt_project", checkout / "dbt_project", ignore=shutil.ignore_patterns("target", "logs", "*.tmp"))
    for folder, _, _ in os.walk(checkout / "dbt_project"):
        os.chmod(folder, 0o555)
    return checkout


def as_other_user(checkout: Path) -> list[str]:
    """Run the checkout's CLI; as root, without the right to override file permissions (as another user would)."""
    command = [sys.executable, "-m", "orchestration.cli"]
    if os.geteuid() == 0:
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    return command


def test_two_runs_on_one_warehouse_in_an_odd_folder_with_dagster_dev_open_and_dbt_project_read_only(handmade_build, tmp_path):
    """Items 4, 6 and 8 in one build pair (each build costs ~40 s):
    - the folder is named `o'brien "dir"; x`: paths reach SQL quoted or bound, never spliced;
    - the code's dbt_project is not writable: dbt writes its target and logs elsewhere;
    - `dagster dev` is open on the same DAGSTER_HOME and files: it blocks nothing;
    - a second `fingertip run` waits for the first (saying so), a third with a short wait stops with one line;
      both full runs succeed and the warehouse is an uninterrupted build's."""
    workdir = tmp_path / QUIRKY
    workdir.mkdir()
    warehouse = workdir / "warehouse.duckdb"
    home = workdir / ".dagster"
    checkout = _read_only_checkout(tmp_path)
    env = clean_env(
        PYTHONPATH=str(checkout), DAGSTER_HOME=str(home), FINGERTIP_LANDING=str(HANDMADE), FINGERTIP_WAREHOUSE=str(warehouse)
    )
    from orchestration.settings import ensure_dagster_home

    ensure_dagster_home(home)
    dev_env = clean_env(DAGSTER_HOME=str(home), FINGERTIP_LANDING=str(HANDMADE), FINGERTIP_WAREHOUSE=str(warehouse))
    with dagster_dev(dev_env, tmp_path / "dev.log") as (dev, _):
        first = start_run(HANDMADE, warehouse, tmp_path / "first", env=env, argv=as_other_user(checkout))
        # The first run holds the warehouse lock once its Dagster run exists.
        deadline = time.monotonic() + RUN_TIMEOUT
        while run_of(home, first.pid) is None:
            assert first.poll() is None, (tmp_path / "first.err").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.2)
        # It gives up before dbt, so the checkout and the user play no part: forked (about 2 s of CPU less).
        impatient = start_run(
            HANDMADE, warehouse, tmp_path / "impatient", env={**env, "FINGERTIP_WAIT_SECONDS": "1"}, forked=True
        )
        second = start_run(HANDMADE, warehouse, tmp_path / "second", env=env, argv=as_other_user(checkout))
        code, _, err = finish(impatient, tmp_path / "impatient")
        assert code == 3, err
        assert err.strip().splitlines()[-1].startswith(f"error: another fingertip run (pid {first.pid}"), err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 2, err
        for process, name in ((first, "first"), (second, "second")):
            code, out, err = finish(process, tmp_path / name)
            assert code == 0, err
            assert "Traceback" not in err
            assert "fingertip: built 3 delivery days" in out
        assert "waiting: another fingertip run" in (tmp_path / "second.err").read_text()
        assert dev.poll() is None, "dagster dev stopped: " + (tmp_path / "dev.log").read_text()[-2000:]
    assert not (checkout / "dbt_project" / "target").exists()
    same_build(workdir, handmade_build)
    # The lake path with its quote was read by dbt (staging is not empty) and the copy was published.
    assert query(warehouse, "select count(*) from staging.stg_checkins")[0][0] > 0
    assert query(workdir / "analytics.duckdb", "select count(*) from marts.cadre_monthly")[0][0] > 0


def test_user_errors_are_one_line_with_a_non_zero_exit(tmp_path):
    """Item 6: each mistake a user can make is one `error:` line saying what to do; no traceback."""
    landing = str(HANDMADE)

    def one_line(result: subprocess.CompletedProcess, *words: str) -> None:
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        for word in words:
            assert word in lines[0], lines[0]

    # A warehouse whose parent is a file.
    (tmp_path / "a_file").write_text("x")
    one_line(
        fingertip("run", "--landing", landing, "--warehouse", str(tmp_path / "a_file" / "w.duckdb"), check=False),
        "is a file",
        "--warehouse",
    )
    # A read-only warehouse folder (root is denied too: it runs without the right to override permissions).
    read_only = tmp_path / "read_only"
    read_only.mkdir()
    read_only.chmod(0o555)
    command = [FINGERTIP, "run", "--landing", landing, "--warehouse", str(read_only / "w.duckdb")]
    if os.geteuid() == 0:
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    one_line(subprocess.run(command, capture_output=True, text=True, env=clean_env(), cwd=REPO), "cannot write", str(read_only))
    # A file that is not a DuckDB database where the warehouse should be.
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "w.duckdb").write_text("not a database")
    one_line(
        fingertip("run", "--landing", landing, "--warehouse", str(tmp_path / "bad" / "w.duckdb"), check=False),
        "cannot open the warehouse",
        "move the file aside",
    )
    # Too small a demo.
    one_line(
        fingertip("demo-data", "--out", str(tmp_path / "demo"), "--cadres", "30", "--days", "8", check=False),
        "--cadres 40",
        "--days 14",
    )
    assert not (tmp_path / "demo").exists()
    # A bad wait setting.
    one_line(
        fingertip(
            "run",
            "--landing",
            landing,
            "--warehouse",
            str(tmp_path / "w" / "w.duckdb"),
            env={"FINGERTIP_WAIT_SECONDS": "soon"},
            check=False,
        ),
        "FINGERTIP_WAIT_SECONDS",
    )
    # 400 delivery days, all before FINGERTIP_FIRST_DAY: said once (how many, which range, which setting).
    old = tmp_path / "old_landing"
    for n in range(400):
        day = (date(1990, 1, 1) + timedelta(days=n)).isoformat()
        (old / "checkins" / f"dt={day}").mkdir(parents=True)
        (old / "checkins" / f"dt={day}" / "checkins.csv").write_text("checkin_id\n")
    result = fingertip("run", "--landing", str(old), "--warehouse", str(tmp_path / "w" / "w.duckdb"), check=False)
    assert result.returncode == 2
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 2, lines
    assert "400 delivery days (1990-01-01 to 1991-02-04)" in lines[0] and "FINGERTIP_FIRST_DAY" in lines[0], lines
    assert lines[1].startswith("error: every delivery day") and "FINGERTIP_FIRST_DAY" in lines[1], lines


def test_the_published_copy_is_written_without_splicing(tmp_path):
    """Item 4 on its own: publish_marts with quotes in both paths (no build needed: a small warehouse)."""
    from storage.publish import publish_marts

    folder = tmp_path / QUIRKY
    folder.mkdir()
    warehouse = folder / "it's.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        for mart in MARTS:
            con.execute(f'create table marts.{mart} ("odd ""column""" varchar, evidence varchar, subject_id varchar)')
            con.execute(f"insert into marts.{mart} values ('a''b', 'e', 's')")
    counts = publish_marts(warehouse, folder / 'pub "x".duckdb')
    assert counts == {mart: 1 for mart in MARTS}
    assert query(folder / 'pub "x".duckdb', 'select "odd ""column""" from marts.cadre_monthly') == [("a'b",)]
    columns = query(
        folder / 'pub "x".duckdb', "select column_name from information_schema.columns where table_name = 'padding_flags'"
    )
    assert ("evidence",) not in columns and ("subject_id",) not in columns


def test_demo_data_passes_the_evasion_level(tmp_path):
    """`demo-data --evasion LEVEL` reaches the generator: level 3 writes other rows than level 0 (same seed)."""
    for level in (0, 3):
        fingertip("demo-data", "--out", str(tmp_path / str(level)), "--cadres", "40", "--days", "14", "--evasion", str(level))

    def tree(root: Path) -> dict:
        return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    plain, evasive = tree(tmp_path / "0"), tree(tmp_path / "3")
    assert plain and evasive and plain != evasive
    result = fingertip("demo-data", "--out", str(tmp_path / "x"), "--evasion", "4", check=False)
    assert result.returncode == 2 and "invalid choice: 4" in result.stderr
