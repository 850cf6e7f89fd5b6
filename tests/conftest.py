"""Shared helpers: run the real `fingertip` CLI and read the real DuckDB files it writes.

The suite runs on two pytest-xdist workers (pyproject addopts `-n auto --dist loadfile`;
`-n 0` runs it in one process). Each worker is its own process and pytest session, so
- a module's tests stay on one worker, and its module-scoped builds are made once;
- the session's shared builds (`handmade_build`, `demo_build`, `dbt_on_its_own`,
  `reviewed_build`) are made once for all workers: the first worker to need one makes
  it under a lock in the run's common temp folder, the others wait for it and read it
  (`shared`);
- `fingertip` commands are forked from a process that has imported their libraries
  (tests/forked_cli.py: about 2 s of CPU less a command); tests of how a process ends by
  itself, or of another user's checkout, start the installed script;
- each worker gives dbt a target folder of its own (DBT_TARGET_PATH, which `fingertip`
  honours), so that no `dbt parse` rewrites a manifest another worker's build is reading.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import gc
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import forked_cli
import pytest
from smtp_server import SmtpServer
from terminal import run_in_terminal

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FINGERTIP = str(Path(sys.executable).parent / "fingertip")


def fingertip(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run the CLI as a user would, in its own process (tests/forked_cli.py: forked from one that has
    imported its libraries); its exit code, stdout and stderr."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DAGSTER_HOME"))}
    full_env.update(env or {})
    result = forked_cli.run(list(args), full_env, REPO)
    if check and result.returncode != 0:
        raise AssertionError(
            f"fingertip {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def build(landing: Path, workdir: Path, **kwargs) -> subprocess.CompletedProcess:
    return fingertip("run", "--landing", str(landing), "--warehouse", str(workdir / "warehouse.duckdb"), **kwargs)


def query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@functools.cache  # one per home: opening one costs ~0.05 s of CPU, and tests poll them every 0.2 s
def instance_at(home: Path):
    """The Dagster instance at `home`, which every run at that home writes to; it reads each run and
    event from its storage when asked, so one instance sees the runs that start after it opened."""
    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    from orchestration.settings import ensure_dagster_home

    # As every fingertip process does: never open storage another process is still creating.
    ensure_dagster_home(home)
    return DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))


def ingest_in_one_run(landing: Path, lake: Path, assets: list, checks: list = (), instance=None):
    """The real ingest assets (and asset checks) over every delivery day of `landing`, in one
    Dagster run on `instance` (default: an ephemeral one), as `fingertip run` runs them; the run's result."""
    from dagster import AssetSelection, DagsterInstance, Definitions, define_asset_job

    from orchestration.resources import GxProcess, LakePaths
    from orchestration.settings import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG
    from sources.landing import delivery_days

    defs = Definitions(
        assets=assets,
        asset_checks=list(checks),
        jobs=[define_asset_job("ingest", selection=AssetSelection.all())],
        resources={
            "paths": LakePaths(landing=str(landing), lake=str(lake), reviews_inbox=str(lake.parent / "reviews_inbox")),
            "gx": GxProcess(),
        },
    )
    days = delivery_days(landing)
    return defs.resolve_job_def("ingest").execute_in_process(
        instance=instance or DagsterInstance.ephemeral(),
        tags={PARTITION_RANGE_START_TAG: days[0], PARTITION_RANGE_END_TAG: days[-1]},
    )


# Set before any test module imports orchestration.resources, which reads it.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if WORKER:
    _worker_target = Path(os.environ.get("TMPDIR", "/tmp")) / f"fingertip-tests-{os.environ['PYTEST_XDIST_TESTRUNUID']}" / WORKER
    _worker_target.mkdir(parents=True, exist_ok=True)
    # The manifest the run's first process made, with its key (resources.MANIFEST_KEY_FILE: what it
    # was parsed from), so that the worker's own check finds it up to date and does not parse again.
    for _name in ("partial_parse.msgpack", "manifest.json", ".manifest_key"):
        if (REPO / "dbt_project" / "target" / _name).exists() and not (_worker_target / _name).exists():
            shutil.copy(REPO / "dbt_project" / "target" / _name, _worker_target / _name)
    os.environ["DBT_TARGET_PATH"] = str(_worker_target)


def pytest_unconfigure(config) -> None:
    # The process ends next: its last collections would walk every object the tests' in-process
    # Dagster, dbt and GX left (1-2.5 s of each worker's exit, which the run waits for).
    gc.freeze()
    if WORKER:
        shutil.rmtree(Path(os.environ["DBT_TARGET_PATH"]), ignore_errors=True)
        with contextlib.suppress(OSError):  # the last worker to end removes the run's folder
            Path(os.environ["DBT_TARGET_PATH"]).parent.rmdir()


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto` (pyproject addopts): two workers, one per core of the machine the suite is sized for;
    none for tests/spark (`make test-spark`: one Spark session at a time, and its `-s` output)."""
    spark = REPO / "tests" / "spark"
    if any(Path(str(arg).split("::")[0]).resolve().is_relative_to(spark) for arg in config.args):
        return 0
    return min(2, os.cpu_count() or 1)


# Heaviest modules first (measured): pytest-xdist (`--dist loadfile --no-loadscope-reorder`) hands
# whole modules to the workers in collection order, so that the two end at about the same time.
HEAVY_FIRST = (
    "test_reliability_process",
    "test_alerts",
    "test_detection",
    "test_incremental_build",
    "test_reviews",
    "test_reliability_ingest",
    "test_rerun_and_publish",
    "test_handmade_landing",
    "test_detection_cases",
    # Then the rest of the modules over 4 s, longest first, so that the last ones are short.
    "test_gx_process",
    "test_report",
    "test_definitions",
    "test_demo_generator",
    "test_pool_wait",
    "test_dbt_thread_stop",
    "test_event_log",
    "test_dbt_errors",
    "test_fuzz_readers",
)


def pytest_collection_modifyitems(config, items) -> None:
    rank = {name: n for n, name in enumerate(HEAVY_FIRST)}
    items.sort(key=lambda item: rank.get(item.module.__name__, len(rank)))


def shared(tmp_path_factory, name: str, make):
    """(folder, value): `make(folder)` run once per test run, whichever worker asks first.

    Without xdist: in a new temp folder. Under xdist: in the folder `name` of the run's
    temp folder, which all workers share; the first worker to ask makes it under a lock
    and keeps make's value (pickled) beside it; the others wait for it and read it. A
    failed attempt leaves no mark: the next worker to ask tries again (and fails its own
    tests the same way)."""
    if not WORKER:
        folder = tmp_path_factory.mktemp(name)
        return folder, make(folder)
    root = tmp_path_factory.getbasetemp().parent
    folder, done = root / name, root / f"{name}.pickle"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            value = make(folder)
            done.write_bytes(pickle.dumps(value))
    return folder, pickle.loads(done.read_bytes())


def pytest_sessionstart(session) -> None:
    """Test modules import the Dagster definitions, which read dbt's manifest, when they are
    collected: parse the project first, as `dagster dev` would (a fresh clone has no manifest).
    The workers start after this: when the manifest is up to date, Dagster and dbt are not imported
    here (1.5 s)."""
    from orchestration.dbt_manifest import manifest_is_current
    from orchestration.settings import Settings

    if not manifest_is_current(Settings.from_env().engine):
        from orchestration.resources import prepare_dbt_manifest

        prepare_dbt_manifest()


@pytest.fixture(scope="session")
def dbt_manifest() -> None:
    """The manifest exists: pytest_sessionstart parsed the project before collection."""


@pytest.fixture(scope="session")
def handmade_build(tmp_path_factory) -> Path:
    """The hand-made landing folder in tests/fixtures, built once (for all workers)."""

    def make(workdir: Path) -> None:
        result = build(FIXTURES / "handmade_landing", workdir)
        (workdir / "run_output.txt").write_text(result.stdout)

    workdir, _ = shared(tmp_path_factory, "handmade", make)
    return workdir


def dbt_by_hand(
    args: list[str], lake: Path, warehouse: Path, workdir: Path, env: dict | None = None
) -> subprocess.CompletedProcess:
    """`dbt <args>` with the project's profiles.yml, no Dagster, as an analyst runs it in dbt_project/:
    over `lake` and `warehouse`, its target and logs in `workdir` (`env`: more settings)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DBT_"))}
    full_env.update(FINGERTIP_LAKE=str(lake), FINGERTIP_WAREHOUSE=str(warehouse), **(env or {}))
    project = str(REPO / "dbt_project")
    # An analyst's dbt in dbt_project/ finds the parse state fingertip left in its target folder.
    (workdir / "target").mkdir(exist_ok=True)
    parse_state = Path(os.environ.get("DBT_TARGET_PATH", REPO / "dbt_project" / "target")) / "partial_parse.msgpack"
    shutil.copy(parse_state, workdir / "target" / parse_state.name)
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "--no-use-colors", *args]
        + ["--project-dir", project, "--profiles-dir", project]
        + ["--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")],
        env=full_env,
        capture_output=True,
        text=True,
        cwd=project,
    )


@pytest.fixture(scope="session")
def dbt_on_its_own(handmade_build, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """`dbt build` with the project's profiles.yml, no Dagster, over the hand-made build's lake, once:
    (dbt's result, its folder: by_dbt.duckdb and target/run_results.json).

    One dbt invocation serves two tests: the analysts' build (tests/test_handmade_landing.py) and
    the flag rules' `unit_tests:`, which `dbt build` runs before each rule's model, with its
    parents built (tests/test_rule_unit_tests.py)."""

    def make(workdir: Path) -> subprocess.CompletedProcess:
        # Every month of the lake, as README says a build by hand is run.
        months = fingertip("dbt-months", "--lake", str(handmade_build / "lake")).stdout.split()
        return dbt_by_hand(["build", *months], handmade_build / "lake", workdir / "by_dbt.duckdb", workdir)

    workdir, result = shared(tmp_path_factory, "dbt_on_its_own", make)
    return result, workdir


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> tuple[Path, Path]:
    """A demo landing folder (fixed seed, planted padding and invalid input) built once: (landing, warehouse).

    Five weeks over two month ends, so that every cadre reports for two periods.
    `demo-data` writes it through a pipe (its stdout in demo_data_output.txt beside the
    warehouse); `fingertip run` builds it on a real pseudo-terminal (everything it drew in
    run_on_terminal.txt), as a user at a terminal would: tests/test_progress.py checks both
    outputs, so that the progress line needs no build of its own.
    """

    def make(workdir: Path) -> None:
        landing = workdir / "landing"
        generated = fingertip(
            "demo-data", "--out", str(landing), "--cadres", "60", "--days", "35", "--seed", "11", "--start", "2026-08-27"
        )
        (workdir / "demo_data_output.txt").write_text(generated.stdout)
        (workdir / "demo_data_errors.txt").write_text(generated.stderr)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DAGSTER_HOME"))}
        env["TERM"] = "xterm-256color"
        warehouse = workdir / "warehouse.duckdb"
        code, drawn = run_in_terminal(["run", "--landing", str(landing), "--warehouse", str(warehouse)], env, forked=True)
        (workdir / "run_on_terminal.txt").write_bytes(drawn.encode())  # bytes: a text read would turn each \r into \n
        if code != 0:
            raise AssertionError(f"fingertip run of the demo landing failed ({code}):\n{drawn[-3000:]}")

    workdir, _ = shared(tmp_path_factory, "demo", make)
    landing, warehouse = workdir / "landing", workdir / "warehouse.duckdb"
    return landing, warehouse


REVIEWS_HEADER = "flag_id,verdict,note,reviewed_by\n"
INSPECTOR = "inspector@units.test"


@pytest.fixture(scope="session")
def reviewed_build(demo_build, tmp_path_factory) -> SimpleNamespace:
    """Inspectors' verdicts given on a copy of the demo warehouse, then two builds of it.

    Five flags at or above medium severity (so each could be mailed):
    - `superseded`: needs-evidence, then confirmed (CLI): the later verdict wins;
    - `dismissed`: dismissed (CLI), with a note that needs HTML escaping;
    - `needs_evidence`: needs-evidence (CLI), so it stays open;
    - `confirmed`: confirmed by a CSV in the reviews inbox (week-1.csv), applied by the build;
    - `waiting`: named in week-2.csv beside a flag that does not exist, so that file is rejected whole.
    Then a full build with SMTP (its report folder kept as report_after_full/), then an
    incremental build of the last delivery day, delivered again with one more file. Shared by tests/test_reviews.py and the
    verdict tests of tests/test_report.py, which only read it.
    """
    landing, warehouse = demo_build

    def make(workdir: Path) -> SimpleNamespace:
        copy = workdir / "warehouse.duckdb"
        shutil.copy(warehouse, copy)
        # Its lake too, as a warehouse is kept (copy2: the receipts still match the files): the build
        # after the verdicts loads nothing again, and dbt runs because the verdicts changed.
        shutil.copytree(warehouse.parent / "lake", workdir / "lake")
        flags = query(
            copy,
            "select flag_id, flag_code, evidence from marts.padding_flags where severity in ('medium', 'high') order by flag_id",
        )
        assert len(flags) >= 5, "the demo build has too few flags to review"
        superseded, dismissed, needs_evidence, confirmed, waiting = (flag_id for flag_id, _, _ in flags[:5])
        codes = {flag_id: code for flag_id, code, _ in flags}

        def review(flag_id: str, verdict: str, note: str, by: str) -> subprocess.CompletedProcess:
            return fingertip("review", flag_id, "--verdict", verdict, "--note", note, "--by", by, "--warehouse", str(copy))

        review(superseded, "needs-evidence", "ask for the phone", "Li Wei")
        recorded = review(superseded, "confirmed", "one phone, two cadres", "Zhang Min")
        review(dismissed, "dismissed", "office phone <shared>", "Li Wei")
        review(needs_evidence, "needs-evidence", "photos please", "Li Wei")
        rows_sql = "select flag_id, verdict, note, reviewed_by, recorded_from from ops.flag_reviews order by reviewed_at"
        before = query(copy, rows_sql)

        inbox = workdir / "reviews_inbox"
        inbox.mkdir()
        (inbox / "week-1.csv").write_text(REVIEWS_HEADER + f'{confirmed},confirmed,"same face, two names",Zhang Min\n')
        # One bad row makes the whole file wait in rejected/: nothing of it is recorded.
        (inbox / "week-2.csv").write_text(
            REVIEWS_HEADER + f"{waiting},confirmed,ok,Zhang Min\nno-such-flag,dismissed,?,Zhang Min\n"
        )

        server = SmtpServer("robot", "pw-reviews").start()
        try:
            full = build(landing, workdir, env=server.env(FINGERTIP_ALERT_TO=INSPECTOR))
            mails = list(server.received)
        finally:
            server.stop()
        after_full = query(copy, rows_sql)
        shutil.copytree(workdir / "report", workdir / "report_after_full")
        # The last day delivered again with one more file (a copy of one of its files: the same
        # events), so that its build rebuilds that day's months over the verdicts.
        last_day = sorted({p.name.removeprefix("dt=") for p in landing.glob("*/dt=*")})[-1]
        redelivered = workdir / "landing"
        shutil.copytree(landing, redelivered)
        first_file = sorted(p for p in redelivered.glob(f"*/dt={last_day}/*") if p.is_file())[0]
        shutil.copy(first_file, first_file.with_name(f"again-{first_file.name}"))
        incremental = build(redelivered, workdir, env={"FINGERTIP_FIRST_DAY": last_day, "FINGERTIP_LAST_DAY": last_day})
        return SimpleNamespace(
            workdir=workdir,
            warehouse=copy,
            publish=workdir / "analytics.duckdb",
            inbox=inbox,
            report_after_full=workdir / "report_after_full",
            mails=mails,
            recorded=recorded,
            full=full,
            incremental=incremental,
            rows_before_build=before,
            rows_after_full_build=after_full,
            superseded=superseded,
            dismissed=dismissed,
            needs_evidence=needs_evidence,
            confirmed=confirmed,
            waiting=waiting,
            codes=codes,
            all_alertable=set(codes),
        )

    _, reviewed = shared(tmp_path_factory, "reviews", make)
    return reviewed
