"""Which months a build rebuilds (orchestration/incremental.py), on a lake and a warehouse made here.

The end-to-end equality of an incremental build with a full one is in
test_incremental_build.py; these cases are the ones its demo data cannot
tell apart, because there every month holds every kind of change.
"""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration.incremental import StagedSource, plan_months, record_built_from

LOGINS = StagedSource("app_logins", "login_id", "login_at", "staging", "stg_app_logins")
TODAY = date(2026, 12, 2)


def deliver(lake: Path, day: str, rows: list[tuple[str, datetime]]) -> None:
    folder = lake / "app_logins" / f"dt={day}"
    folder.mkdir(parents=True, exist_ok=True)
    frame = pl.DataFrame(rows, schema={"login_id": pl.String, "login_at": pl.Datetime("us")}, orient="row")
    frame.with_columns(_dt=pl.lit(date.fromisoformat(day))).write_parquet(folder / "data.parquet")


def stage(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, datetime, str]]) -> None:
    """The staged table as a build left it: (login_id, login_at, delivered_on)."""
    con.execute("create schema if not exists staging")
    con.execute("create or replace table staging.stg_app_logins (login_id varchar, login_at timestamp, delivered_on date)")
    con.executemany("insert into staging.stg_app_logins values (?, ?, ?)", rows)


@pytest.fixture
def built(tmp_path):
    """A lake of three delivery days and a warehouse that records a build of it (project "p1")."""
    lake = tmp_path / "lake"
    deliver(lake, "2026-09-10", [("X", datetime(2026, 9, 9, 8)), ("Y", datetime(2026, 9, 10, 8))])
    deliver(lake, "2026-10-02", [("Z", datetime(2026, 10, 1, 8))])
    # X again, with another (corrected) time, in July: its first delivery, in September, wins.
    deliver(lake, "2026-11-05", [("X", datetime(2026, 7, 15, 8)), ("W", datetime(2026, 11, 5, 8))])
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    stage(
        con,
        [
            ("X", datetime(2026, 9, 9, 8), "2026-09-10"),
            ("Y", datetime(2026, 9, 10, 8), "2026-09-10"),
            ("Z", datetime(2026, 10, 1, 8), "2026-10-02"),
            ("W", datetime(2026, 11, 5, 8), "2026-11-05"),
        ],
    )
    first = plan_months(None, lake, [LOGINS], "p1", "duckdb", TODAY)
    record_built_from(con, lake, [LOGINS], "p1", first)
    yield lake, con, first
    con.close()


def test_a_warehouse_without_a_record_rebuilds_every_month_of_the_lake_from_scratch(built):
    _, _, first = built
    assert (first.first_month, first.end_month, first.full_refresh) == (date(2026, 7, 1), date(2026, 12, 1), True)
    assert first.dbt_args() == ["--event-time-start", "2026-07-01", "--event-time-end", "2026-12-01", "--full-refresh"]


def test_removing_an_id_from_a_redelivered_day_rebuilds_the_month_its_next_delivery_names(built):
    """X's first delivery goes: its delivery of 2026-11-05, with a July time, wins now, although
    that day did not change. July must be rebuilt, and September, which loses X."""
    lake, con, _ = built
    deliver(lake, "2026-09-10", [("Y", datetime(2026, 9, 10, 8))])
    plan = plan_months(con, lake, [LOGINS], "p1", "duckdb", TODAY)
    assert (plan.first_month, plan.end_month, plan.full_refresh) == (date(2026, 7, 1), date(2026, 10, 1), False)
    assert plan.reason == "1 delivery day(s) changed (2026-09-10 to 2026-09-10)"


def test_a_new_day_of_late_events_rebuilds_their_months_only(built):
    lake, con, _ = built
    deliver(lake, "2026-11-06", [("V", datetime(2026, 10, 31, 23, 59))])
    plan = plan_months(con, lake, [LOGINS], "p1", "duckdb", TODAY)
    assert (plan.first_month, plan.end_month, plan.full_refresh) == (date(2026, 10, 1), date(2026, 11, 1), False)
    assert (
        plan.describe() == "incremental build of months 2026-10 to 2026-10: 1 delivery day(s) changed (2026-11-06 to 2026-11-06)"
    )


def test_a_removed_day_rebuilds_the_months_it_held(built):
    lake, con, _ = built
    (lake / "app_logins" / "dt=2026-10-02" / "data.parquet").unlink()
    plan = plan_months(con, lake, [LOGINS], "p1", "duckdb", TODAY)
    assert (plan.first_month, plan.end_month, plan.full_refresh) == (date(2026, 10, 1), date(2026, 11, 1), False)


def test_december_ends_in_january_of_the_next_year(built):
    lake, con, _ = built
    deliver(lake, "2026-12-01", [("U", datetime(2026, 12, 1, 8))])
    plan = plan_months(con, lake, [LOGINS], "p1", "duckdb", TODAY)
    assert (plan.first_month, plan.end_month) == (date(2026, 12, 1), date(2027, 1, 1))


def test_nothing_changed_rebuilds_the_last_month_to_the_same_rows(built):
    lake, con, _ = built
    plan = plan_months(con, lake, [LOGINS], "p1", "duckdb", TODAY)
    assert (plan.first_month, plan.end_month, plan.full_refresh) == (date(2026, 11, 1), date(2026, 12, 1), False)


def test_a_rewritten_file_counts_as_changed_even_with_the_same_rows(built):
    lake, con, _ = built
    file = lake / "app_logins" / "dt=2026-10-02" / "data.parquet"
    os.utime(file, ns=(file.stat().st_atime_ns, file.stat().st_mtime_ns + 1))
    plan = plan_months(con, lake, [LOGINS], "p1", "duckdb", TODAY)
    assert (plan.first_month, plan.end_month) == (date(2026, 10, 1), date(2026, 11, 1))


@pytest.mark.parametrize(
    ("project", "engine", "reason"),
    [
        ("p2", "duckdb", "the dbt project changed since the last build"),
        ("p1", "spark", "the spark engine keeps its tables in its own metastore"),
    ],
)
def test_another_project_or_engine_rebuilds_everything_from_scratch(built, project, engine, reason):
    lake, con, _ = built
    plan = plan_months(con, lake, [LOGINS], project, engine, TODAY)
    assert (plan.first_month, plan.end_month, plan.full_refresh, plan.reason) == (
        date(2026, 7, 1),
        date(2026, 12, 1),
        True,
        reason,
    )


def test_a_file_outside_the_day_folders_rebuilds_everything_from_scratch(built):
    lake, con, _ = built
    pl.DataFrame(schema={"login_id": pl.String, "login_at": pl.Datetime("us")}).write_parquet(
        lake / "app_logins" / "schema.parquet"
    )
    plan = plan_months(con, lake, [LOGINS], "p1", "duckdb", TODAY)
    assert plan.full_refresh
    assert plan.reason == "app_logins/schema.parquet changed"


def test_a_dropped_staged_table_rebuilds_everything_from_scratch(built):
    lake, con, _ = built
    deliver(lake, "2026-11-06", [("V", datetime(2026, 11, 6, 8))])
    con.execute("drop table staging.stg_app_logins")
    plan = plan_months(con, lake, [LOGINS], "p1", "duckdb", TODAY)
    assert plan.full_refresh
    assert plan.reason.startswith("a staged table is missing")


def test_an_empty_lake_builds_this_month_so_that_the_tables_exist(tmp_path):
    plan = plan_months(None, tmp_path / "lake", [LOGINS], "p1", "duckdb", TODAY)
    assert (plan.first_month, plan.end_month, plan.full_refresh) == (date(2026, 12, 1), date(2027, 1, 1), True)


def test_the_project_fingerprint_changes_with_a_model_and_not_with_what_dbt_writes(tmp_path, monkeypatch):
    """The fingerprint decides a full rebuild (and a new `dbt parse`): dbt's anonymous user id
    (written beside profiles.yml on its first run, in a fresh clone), its target and its logs
    must not change it."""
    from orchestration import dbt_manifest

    project = tmp_path / "dbt_project"
    shutil.copytree(
        dbt_manifest.DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml")
    )
    monkeypatch.setattr(dbt_manifest, "DBT_PROJECT_DIR", project)
    before = dbt_manifest.dbt_project_fingerprint("duckdb")
    (project / ".user.yml").write_text("id: 0b6bde8c\n")
    for folder in ("target", "logs"):
        (project / folder).mkdir()
        (project / folder / "anything.json").write_text("{}")
    assert dbt_manifest.dbt_project_fingerprint("duckdb") == before
    model = project / "models" / "staging" / "stg_app_logins.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    assert dbt_manifest.dbt_project_fingerprint("duckdb") != before
