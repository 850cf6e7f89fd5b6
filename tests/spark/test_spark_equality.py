"""Issue 9: the same dbt project on Apache Spark gives the same marts as DuckDB.

Run by `make test-spark` (installs the `spark` extra), never by plain `pytest`
(pyproject.toml keeps tests/spark out of its collection). One demo landing is
built by the DuckDB pipeline (`fingertip run`, which writes the Parquet lake),
then `dbt build --target spark` runs on that same lake in a local pyspark
session; its on-run-end hook writes each mart as Parquet, which DuckDB reads
back here and compares with the DuckDB warehouse's marts:

* the same columns with the same types (as DuckDB reads the Parquet);
* row counts exactly;
* padding_flags: the same set of flag_ids, and per flag_id the same evidence
  sentence, evidence_key-derived id, severity, subject and times;
* every other column: text, dates, timestamps and integers exactly; scores,
  shares and distances (non-integer numbers) within ABS_TOLERANCE.

The dbt unit tests are left out of the Spark build (`--exclude test_type:unit`):
they test the rules' logic, which `make test` covers on DuckDB, and on Spark
each unit test's fixtures are inlined into every reference of every CTE, which
took minutes per test (photo_reuse's more than 15). The data tests run.
"""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, fingertip

DBT = str(Path(sys.executable).parent / "dbt")
MARTS = ["app_portfolio", "cadre_monthly", "flag_review_outcomes", "padding_flags", "unit_monthly"]
# Scores are 0-100, shares 0-1, distances in km: DuckDB and Spark sum and
# divide doubles in different orders, so the last bits may differ.
ABS_TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("spark_equality")
    landing, warehouse = work / "landing", work / "duckdb" / "warehouse.duckdb"
    timings = {}
    started = time.monotonic()
    fingertip("demo-data", "--out", str(landing), "--cadres", "50", "--days", "21", "--seed", "5", "--start", "2026-08-20")
    fingertip("run", "--landing", str(landing), "--warehouse", str(warehouse))
    timings["duckdb pipeline (demo data, ingest, dbt build)"] = time.monotonic() - started

    spark_dir = work / "spark"
    cwd = work / "cwd"  # dbt runs here: Spark must leave nothing in it
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DBT_"))}
    env.update(
        FINGERTIP_LAKE=str(warehouse.parent / "lake"),
        FINGERTIP_SPARK_DIR=str(spark_dir),
        DBT_PROFILES_DIR=str(REPO / "dbt_project"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    months = fingertip("dbt-months", "--lake", str(warehouse.parent / "lake")).stdout.split()
    started = time.monotonic()
    result = subprocess.run(
        [
            DBT,
            "build",
            *months,
            "--target",
            "spark",
            "--project-dir",
            str(REPO / "dbt_project"),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--exclude",
            "test_type:unit",
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    timings["spark dbt build"] = time.monotonic() - started
    (work / "spark_build.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"dbt build --target spark failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    for name, seconds in timings.items():
        print(f"{name}: {seconds:.0f} s")
    return {"work": work, "cwd": cwd, "warehouse": warehouse, "spark_dir": spark_dir, "log": result.stdout}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(sql, params or [])
    return [d[0] for d in cursor.description], cursor.fetchall()


@contextlib.contextmanager
def _with_warehouse(builds) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the DuckDB build's warehouse attached read-only (the path bound)."""
    with duckdb.connect() as duck:
        duck.execute("attach ? as warehouse (read_only)", [str(builds["warehouse"])])
        yield duck


def _is_fractional(value) -> bool:
    return isinstance(value, (float, Decimal))


def _key(row: tuple) -> tuple:
    """Sort key: every value but the fractional numbers, nulls first."""
    return tuple((v is not None, str(v)) for v in row if not _is_fractional(v))


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if _is_fractional(a) or _is_fractional(b):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=ABS_TOLERANCE)
    return a == b


def _compare(duck: duckdb.DuckDBPyConnection, mart: str, spark_files: str) -> list[str]:
    duck_columns, duck_rows = _rows(duck, f"select * from warehouse.marts.{mart}")
    spark_columns, spark_rows = _rows(duck, "select * from read_parquet(?)", [spark_files])
    assert spark_columns == duck_columns, f"{mart}: columns differ"
    duck_types = [row[1] for row in duck.execute(f"describe select * from warehouse.marts.{mart}").fetchall()]
    spark_types = [row[1] for row in duck.execute("describe select * from read_parquet(?)", [spark_files]).fetchall()]
    assert spark_types == duck_types, f"{mart}: column types differ: {list(zip(duck_columns, duck_types, spark_types))}"
    assert len(spark_rows) == len(duck_rows), f"{mart}: {len(spark_rows)} rows on Spark, {len(duck_rows)} on DuckDB"
    problems = []
    for duck_row, spark_row in zip(sorted(duck_rows, key=_key), sorted(spark_rows, key=_key), strict=True):
        for column, a, b in zip(duck_columns, duck_row, spark_row, strict=True):
            if not _same(a, b):
                problems.append(f"{mart}.{column}: DuckDB {a!r}, Spark {b!r} (row {duck_row[:3]})")
    return problems


def test_spark_leaves_no_scratch_files_in_the_working_directory(builds):
    assert list(builds["cwd"].iterdir()) == []
    for name in ("metastore_db", "spark-warehouse", "derby.log"):
        assert not (REPO / "dbt_project" / name).exists()
        assert (builds["spark_dir"] / name).exists(), f"{name} is not under FINGERTIP_SPARK_DIR"


def test_every_mart_is_published_as_parquet(builds):
    for mart in MARTS:
        assert list((builds["spark_dir"] / "marts" / mart).glob("*.parquet")), f"marts.{mart} was not written as Parquet"


@pytest.mark.parametrize("mart", MARTS)
def test_mart_equals_duckdb(builds, mart):
    with _with_warehouse(builds) as duck:
        problems = _compare(duck, mart, str(builds["spark_dir"] / "marts" / mart / "*.parquet"))
    assert not problems, "\n".join(problems[:30])


def test_same_flag_ids_and_evidence(builds):
    with _with_warehouse(builds) as duck:
        duck_flags = dict(duck.execute("select flag_id, evidence from warehouse.marts.padding_flags").fetchall())
        spark_files = str(builds["spark_dir"] / "marts" / "padding_flags" / "*.parquet")
        spark_flags = dict(duck.execute("select flag_id, evidence from read_parquet(?)", [spark_files]).fetchall())
    assert len(duck_flags) > 10, "the demo landing should raise flags of several codes"
    assert set(spark_flags) == set(duck_flags)
    assert spark_flags == duck_flags
