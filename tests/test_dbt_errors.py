"""A failed dbt build says, for each node that failed, why, and what to do when the cause is the machine.

`fingertip run` prints these lines from its build log (orchestration/build.py); the log holds
dbt's own output, which these tests get from a real dbt run or, for a full disk, from the log of a
real build that filled its disk (tests/fixtures/dbt_logs/disk_full.log, paths shortened).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import FIXTURES, dbt_by_hand, query

from orchestration.errors import dbt_failure_advice, dbt_failures

# Out of memory (a limit below DuckDB's 2 MiB blocks: every model fails), over a copy of a build.
# None depends on another (a failed parent would skip its child); cadre_monthly has a contract.
OUT_OF_MEMORY = {"FINGERTIP_DUCKDB_MEMORY": "2MB"}
MODELS = {"staging": ["stg_units", "stg_apps"], "marts": ["cadre_monthly"]}
TABLES = [f"{schema}.{model}" for schema, names in MODELS.items() for model in names]


@pytest.fixture(scope="module")
def out_of_memory(handmade_build, tmp_path_factory) -> SimpleNamespace:
    """One `dbt run` of MODELS out of memory over a copy of the hand-made build: (its warehouse,
    the tables' rows before, dbt's result, its output in a log file)."""
    workdir = tmp_path_factory.mktemp("out_of_memory")
    warehouse = workdir / "warehouse.duckdb"
    shutil.copy(handmade_build / "warehouse.duckdb", warehouse)
    before = {table: query(warehouse, f"select * from {table} order by all") for table in TABLES}
    assert all(before.values())
    models = [model for names in MODELS.values() for model in names]
    result = dbt_by_hand(["run", "--select", *models], handmade_build / "lake", warehouse, workdir, env=OUT_OF_MEMORY)
    log = workdir / "dbt_output.log"
    log.write_text(result.stdout)
    return SimpleNamespace(warehouse=warehouse, before=before, result=result, log=log)


def test_duckdb_out_of_memory_gives_each_failed_model_its_cause_and_says_to_raise_the_limit(out_of_memory, monkeypatch):
    assert out_of_memory.result.returncode == 1, out_of_memory.result.stdout[-2000:]
    failures = dbt_failures(out_of_memory.log)
    models = [model for names in MODELS.values() for model in names]
    assert sorted(line.split(" (")[0] for line in failures) == sorted(f"Failure in model {m}" for m in models)
    assert all(": Out of Memory Error: " in line for line in failures), failures
    monkeypatch.setenv("FINGERTIP_DUCKDB_MEMORY", "2MB")
    assert dbt_failure_advice(out_of_memory.log, out_of_memory.warehouse) == [
        "DuckDB ran out of memory in dbt's build (FINGERTIP_DUCKDB_MEMORY: 2MB): set FINGERTIP_DUCKDB_MEMORY higher "
        "if this machine has the memory (DuckDB spills to disk beyond it), then run again"
    ]


def test_a_model_that_fails_keeps_the_table_the_last_build_made(out_of_memory):
    """A table model is replaced in place, drop and create in one transaction
    (dbt_project/macros/table_materialization.sql): a model that fails (here out of memory)
    leaves the last build's rows, and no half-built table beside them."""
    warehouse = out_of_memory.warehouse
    assert out_of_memory.result.stdout.count("Out of Memory Error") >= len(TABLES), out_of_memory.result.stdout[-2000:]
    assert {table: query(warehouse, f"select * from {table} order by all") for table in TABLES} == out_of_memory.before
    assert query(warehouse, "select table_name from information_schema.tables where table_name like '%__dbt_%'") == []


def test_a_full_disk_names_the_model_the_file_it_could_not_write_and_where_to_free_space():
    log = FIXTURES / "dbt_logs" / "disk_full.log"
    warehouse = Path("/srv/fingertip/data/warehouse.duckdb")
    assert dbt_failures(log) == [
        "Failure in model int_flags__photo_reuse (models/intermediate/flags/int_flags__photo_reuse.sql): "
        'IO Error: Could not write file "/srv/fingertip/data/warehouse.duckdb.tmp/duckdb_temp_28410_0_storage_DEFAULT-0.tmp": '
        "No space left on device"
    ]
    assert dbt_failure_advice(log, warehouse) == [
        "the disk is full: free space where the warehouse (/srv/fingertip/data) and DuckDB's spill folder "
        "(/srv/fingertip/data/warehouse.duckdb.tmp) are, then run again"
    ]


def test_more_failures_than_the_limit_end_with_how_many_more(tmp_path):
    log = tmp_path / "many.log"
    log.write_text(
        "".join(f"Failure in model m{n} (models/m{n}.sql)\n  Runtime Error in model m{n}\n  boom {n}\n\n" for n in range(12))
    )
    assert dbt_failures(log, limit=10) == [
        *(f"Failure in model m{n} (models/m{n}.sql): boom {n}" for n in range(10)),
        "... and 2 more (full log)",
    ]
    assert dbt_failure_advice(log, tmp_path / "warehouse.duckdb") == []


def test_a_failed_dbt_step_names_dbts_command_and_not_compute_logs_the_build_does_not_keep(tmp_path):
    """dagster-dbt's own error for a dbt that ended with an error (a real invocation of a process
    that exits 1) sends the reader to Dagster's compute logs, which `fingertip run` does not keep:
    the step's line names the command and its exit code; dbt's failure lines follow it."""
    import subprocess
    import sys

    from dagster._utils.error import serializable_error_info_from_exc_info
    from dagster_dbt import DbtCliInvocation

    from orchestration.errors import root_cause_message

    process = subprocess.Popen(["false", "build", "--select", "stg_cadres"])
    process.wait()
    invocation = DbtCliInvocation(
        process=process,
        manifest={},
        dagster_dbt_translator=None,
        project_dir=tmp_path,
        target_path=tmp_path,
        raise_on_error=True,
        cli_version=None,
    )
    try:
        raise invocation.get_error()
    except Exception:  # noqa: BLE001 (serialized as Dagster serializes a step's error)
        error = serializable_error_info_from_exc_info(sys.exc_info())
    assert "compute logs" in error.message
    assert root_cause_message(error) == "`false build --select stg_cadres` failed with exit code 1"


def test_the_build_log_the_errors_point_to_holds_each_failed_steps_whole_error(tmp_path):
    """The terminal prints one line per failed step and points to the build log, which held dbt's
    output only: a step other than dbt's that failed left it empty. A real run of a failing asset."""
    from dagster import DagsterInstance, asset, materialize

    from orchestration.build import log_failures

    @asset
    def reference_tables() -> None:
        try:
            raise OSError(28, "No space left on device")
        except OSError as error:
            raise RuntimeError("could not write lake/reference/cadres.parquet") from error

    result = materialize([reference_tables], instance=DagsterInstance.ephemeral(), raise_on_error=False)
    build_log = tmp_path / "last_build.log"
    build_log.write_text("dbt's output\n")
    log_failures(build_log, result)
    log = build_log.read_text()
    assert log.startswith("dbt's output\n\nstep reference_tables failed:\n")
    assert "RuntimeError: could not write lake/reference/cadres.parquet" in log
    assert "No space left on device" in log and "Stack Trace" in log
