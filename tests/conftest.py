"""Shared helpers: run the real `fingertip` CLI and read the real DuckDB files it writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from terminal import run_in_terminal

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FINGERTIP = str(Path(sys.executable).parent / "fingertip")


def fingertip(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run the installed CLI as a user would, in its own process."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DAGSTER_HOME"))}
    full_env.update(env or {})
    result = subprocess.run([FINGERTIP, *args], capture_output=True, text=True, env=full_env, cwd=REPO)
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


def pytest_sessionstart(session) -> None:
    """Test modules import the Dagster definitions, which read dbt's manifest, when they are
    collected: parse the project first, as `dagster dev` would (a fresh clone has no manifest)."""
    from orchestration.build import prepare_dbt_manifest

    prepare_dbt_manifest()


@pytest.fixture(scope="session")
def dbt_manifest() -> None:
    """The manifest exists: pytest_sessionstart parsed the project before collection."""


@pytest.fixture(scope="session")
def handmade_build(tmp_path_factory) -> Path:
    """The hand-made landing folder in tests/fixtures, built once."""
    workdir = tmp_path_factory.mktemp("handmade")
    result = build(FIXTURES / "handmade_landing", workdir)
    (workdir / "run_output.txt").write_text(result.stdout)
    return workdir


@pytest.fixture(scope="session")
def dbt_on_its_own(handmade_build, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """`dbt build` with the project's profiles.yml, no Dagster, over the hand-made build's lake, once:
    (dbt's result, its folder: by_dbt.duckdb and target/run_results.json).

    One dbt invocation serves two tests: the analysts' build (tests/test_handmade_landing.py) and
    the flag rules' `unit_tests:`, which `dbt build` runs before each rule's model, with its
    parents built (tests/test_rule_unit_tests.py)."""
    workdir = tmp_path_factory.mktemp("dbt_on_its_own")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DBT_"))}
    env.update(FINGERTIP_LAKE=str(handmade_build / "lake"), FINGERTIP_WAREHOUSE=str(workdir / "by_dbt.duckdb"))
    project = str(REPO / "dbt_project")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "--no-use-colors",
            "build",
            "--project-dir",
            project,
            "--profiles-dir",
            project,
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=project,
    )
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
    workdir = tmp_path_factory.mktemp("demo")
    landing = workdir / "landing"
    generated = fingertip(
        "demo-data", "--out", str(landing), "--cadres", "60", "--days", "35", "--seed", "11", "--start", "2026-08-27"
    )
    (workdir / "demo_data_output.txt").write_text(generated.stdout)
    (workdir / "demo_data_errors.txt").write_text(generated.stderr)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DAGSTER_HOME"))}
    env["TERM"] = "xterm-256color"
    warehouse = workdir / "warehouse.duckdb"
    code, drawn = run_in_terminal([FINGERTIP, "run", "--landing", str(landing), "--warehouse", str(warehouse)], env)
    (workdir / "run_on_terminal.txt").write_bytes(drawn.encode())  # bytes: a text read would turn each \r into \n
    if code != 0:
        raise AssertionError(f"fingertip run of the demo landing failed ({code}):\n{drawn[-3000:]}")
    return landing, warehouse
