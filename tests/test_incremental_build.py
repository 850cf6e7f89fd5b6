"""Issue 8: a build of one delivery day gives exactly the warehouse a full rebuild gives.

The shared demo build (a full build) is copied, then kept up by builds of one
delivery day (FINGERTIP_FIRST_DAY = FINGERTIP_LAST_DAY, as a daily schedule
runs them). After each, its marts, its flag_ids and the month-by-month models
are compared with a full build of the same landing in a fresh folder:

1. a re-delivered day: an earlier day's logins delivered again, changed: logins
   gone, one login's time corrected into August, and a login first delivered on
   a later day now delivered here first, in another month;
2. a new delivery day: an on-time login, late events (a login and a check-in of
   the month before) and a second delivery of a login that keeps its first one.
   An analyst holds a connection open on the published copy throughout its build.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import build, query

from sources.contract import EVENT_SPECS

REDELIVERED_DAY, LATER_DAY, NEW_DAY = "2026-09-15", "2026-09-20", "2026-10-04"
LOGINS_PUBLISHED = "select sum(login_count) from marts.cadre_monthly"
# Tables built month by month, beside the marts: equal too, row for row.
MONTHLY_MODELS = [
    ("staging", "stg_app_logins"),
    ("staging", "stg_checkins"),
    ("staging", "stg_votes"),
    ("intermediate", "int_logins__cadre_monthly"),
    ("intermediate", "int_checkins__cadre_monthly"),
]


def build_day(landing: Path, workdir: Path, day: str) -> str:
    """The build of one delivery day; what it says it rebuilt."""
    build(landing, workdir, env={"FINGERTIP_FIRST_DAY": day, "FINGERTIP_LAST_DAY": day})
    return last_build(workdir)


def last_build(workdir: Path) -> str:
    [(described,)] = query(
        workdir / "warehouse.duckdb", "select fingerprint from ops.microbatch_built_from where item = 'last build'"
    )
    return described


def differences(built: Path, full: Path) -> dict[str, tuple[int, int]]:
    """Per table (every mart and MONTHLY_MODELS): rows only in `built`, rows only in `full`; equal tables left out."""
    con = duckdb.connect()
    con.execute("attach ? as built (read_only)", [str(built)])
    con.execute("attach ? as full_build (read_only)", [str(full)])
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = 'full_build' "
        "and table_schema = 'marts' order by all"
    ).fetchall()
    found = {}
    for schema, table in [*tables, *MONTHLY_MODELS]:
        one, other = f'built."{schema}"."{table}"', f'full_build."{schema}"."{table}"'
        only_built = con.execute(f"select count(*) from (from {one} except all from {other})").fetchone()[0]
        only_full = con.execute(f"select count(*) from (from {other} except all from {one})").fetchone()[0]
        if only_built or only_full:
            found[f"{schema}.{table}"] = (only_built, only_full)
    return found


def flag_ids(warehouse: Path) -> set[str]:
    return {flag_id for (flag_id,) in query(warehouse, "select flag_id from marts.padding_flags")}


def full_build(landing: Path, folder: Path) -> Path:
    shutil.copytree(landing, folder / "landing")
    build(folder / "landing", folder)
    return folder / "warehouse.duckdb"


def write_logins(path: Path, rows: pl.DataFrame) -> None:
    """Logins as a landing CSV (naive timestamps: Asia/Shanghai, as the contract reads them)."""
    columns = [c.name for c in EVENT_SPECS["app_logins"].columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.select(columns).write_csv(path, datetime_format="%Y-%m-%dT%H:%M:%S")


@pytest.fixture(scope="module")
def kept_up(demo_build, tmp_path_factory) -> dict:
    """The demo warehouse kept up day by day; each step's copy beside its full build's."""
    demo_landing, demo_warehouse = demo_build
    root = tmp_path_factory.mktemp("incremental")
    landing, workdir = root / "landing", root / "kept_up"
    shutil.copytree(demo_landing, landing)
    workdir.mkdir()
    shutil.copy2(demo_warehouse, workdir / "warehouse.duckdb")
    shutil.copytree(demo_warehouse.parent / "lake", workdir / "lake")  # copy2: the files keep their times
    steps = {"demo build": last_build(workdir)}

    # 1. A re-delivered day: its logins folder is replaced by one changed file.
    lake = workdir / "lake" / "app_logins"
    logins = pl.read_parquet(lake / f"dt={REDELIVERED_DAY}" / "*.parquet").sort("login_id")
    moved, gone = logins["login_id"][0], logins["login_id"][1:4].to_list()
    later = pl.read_parquet(lake / f"dt={LATER_DAY}" / "*.parquet").sort("login_id").head(1)
    redelivered = pl.concat(
        [
            logins.filter(~pl.col("login_id").is_in(gone)).with_columns(
                login_at=pl.when(pl.col("login_id") == moved).then(datetime(2026, 8, 31, 10, 0, 0)).otherwise(pl.col("login_at")),
                logout_at=pl.when(pl.col("login_id") == moved)
                .then(datetime(2026, 8, 31, 10, 20, 0))
                .otherwise(pl.col("logout_at")),
            ),
            later.with_columns(login_at=datetime(2026, 8, 30, 8, 0, 0), logout_at=datetime(2026, 8, 30, 8, 5, 0)),
        ],
        how="diagonal_relaxed",
    )
    shutil.rmtree(landing / "app_logins" / f"dt={REDELIVERED_DAY}")
    write_logins(landing / "app_logins" / f"dt={REDELIVERED_DAY}" / "redelivered.csv", redelivered)
    steps["re-delivered day"] = (
        build_day(landing, workdir, REDELIVERED_DAY),
        snapshot(workdir, "redelivered"),
        full_build(landing, root / "full_redelivered"),
    )
    steps["re-delivered ids"] = {"moved": moved, "gone": gone, "later": later["login_id"][0]}

    # 2. A new day: an on-time login, late events of the month before, a login delivered again.
    template = logins.filter(~pl.col("login_id").is_in([moved, *gone])).head(2)
    new_logins = pl.concat(
        [
            template.head(1).with_columns(
                login_id=pl.lit("on-time-login-1"),
                login_at=datetime(2026, 10, 4, 8, 30, 0),
                logout_at=datetime(2026, 10, 4, 8, 45, 0),
            ),
            template.head(1).with_columns(
                login_id=pl.lit("late-login-1"),
                login_at=datetime(2026, 9, 30, 23, 30, 0),
                logout_at=datetime(2026, 9, 30, 23, 50, 0),
            ),
            # Delivered again, with another time: its first delivery still wins.
            template.tail(1).with_columns(login_at=datetime(2026, 10, 2, 9, 0, 0), logout_at=None),
        ],
        how="diagonal_relaxed",
    )
    write_logins(landing / "app_logins" / f"dt={NEW_DAY}" / "new.csv", new_logins)
    checkin = pl.read_parquet(workdir / "lake" / "checkins" / f"dt={REDELIVERED_DAY}" / "*.parquet").sort("checkin_id").head(1)
    checkin_columns = [c.name for c in EVENT_SPECS["checkins"].columns]
    (landing / "checkins" / f"dt={NEW_DAY}").mkdir(parents=True)
    checkin.with_columns(
        checkin_id=pl.lit("late-checkin-1"),
        checkin_at=datetime(2026, 9, 29, 18, 0, 0),
        lat=pl.col("lat_text"),
        lon=pl.col("lon_text"),
    ).select(checkin_columns).write_csv(landing / "checkins" / f"dt={NEW_DAY}" / "late.csv", datetime_format="%Y-%m-%dT%H:%M:%S")
    # An analyst's connection to the published copy stays open across the build: it neither blocks
    # the build nor sees a half-written copy.
    report_written = (workdir / "report" / "index.html").stat().st_mtime_ns
    reader = duckdb.connect(str(workdir / "analytics.duckdb"), read_only=True)
    steps["reader saw"] = [reader.execute(LOGINS_PUBLISHED).fetchone()[0]]
    steps["new day"] = (
        build_day(landing, workdir, NEW_DAY),
        snapshot(workdir, "new_day"),
        full_build(landing, root / "full_new_day"),
    )
    steps["new day ids"] = {"on time": "on-time-login-1", "late": "late-login-1", "again": template["login_id"][1]}
    steps["reader saw"].append(reader.execute(LOGINS_PUBLISHED).fetchone()[0])
    reader.close()
    steps["published after"] = query(workdir / "analytics.duckdb", LOGINS_PUBLISHED)[0][0]
    steps["report rewritten"] = (workdir / "report" / "index.html").stat().st_mtime_ns != report_written
    return steps


def snapshot(workdir: Path, name: str) -> Path:
    """The kept-up warehouse as this step left it (the next step changes it)."""
    copy = workdir.parent / f"{name}.duckdb"
    shutil.copy(workdir / "warehouse.duckdb", copy)
    return copy


def test_the_demo_build_built_every_month_from_scratch(kept_up):
    assert kept_up["demo build"] == (
        "full rebuild of months 2026-08 to 2026-09: the warehouse records no earlier build of its staging"
    )


@pytest.mark.parametrize("step", ["re-delivered day", "new day"])
def test_a_build_of_one_day_gives_the_marts_and_flags_of_a_full_rebuild(kept_up, step):
    _, kept, full = kept_up[step]
    assert differences(kept, full) == {}
    assert flag_ids(kept) == flag_ids(full)


def test_a_redelivered_day_moves_its_logins_between_months(kept_up):
    described, kept, full = kept_up["re-delivered day"]
    ids = kept_up["re-delivered ids"]
    assert described == (
        f"incremental build of months 2026-08 to 2026-09: 1 delivery day(s) changed ({REDELIVERED_DAY} to {REDELIVERED_DAY})"
    )
    months = dict(query(kept, "select login_id, cast(login_month as varchar) from staging.stg_app_logins"))
    assert months[ids["moved"]] == "2026-08-01"
    assert months[ids["later"]] == "2026-08-01"  # its delivery on the re-delivered day is now its first
    assert not set(ids["gone"]) & months.keys()


def test_a_new_day_rebuilds_the_months_of_its_events_and_of_their_earlier_deliveries(kept_up):
    described, kept, _ = kept_up["new day"]
    ids = kept_up["new day ids"]
    assert described == f"incremental build of months 2026-09 to 2026-10: 1 delivery day(s) changed ({NEW_DAY} to {NEW_DAY})"
    delivered = dict(
        query(
            kept,
            "select login_id, cast(login_month as varchar) || ' ' || cast(delivered_on as varchar) "
            "from staging.stg_app_logins where login_id in (?, ?, ?)",
            [ids["on time"], ids["late"], ids["again"]],
        )
    )
    assert delivered == {
        ids["on time"]: f"2026-10-01 {NEW_DAY}",
        ids["late"]: f"2026-09-01 {NEW_DAY}",  # in the month it happened
        ids["again"]: f"2026-09-01 {REDELIVERED_DAY}",  # its first delivery still wins
    }
    assert query(kept, "select cast(checkin_month as varchar) from staging.stg_checkins where checkin_id = 'late-checkin-1'") == [
        ("2026-09-01",)
    ]


def test_an_open_reader_of_the_published_copy_neither_blocks_the_build_nor_sees_it_half_done(kept_up):
    before, during = kept_up["reader saw"]
    assert during == before  # its copy, whole, until it reconnects
    assert kept_up["published after"] == before + 2  # the on-time and the late login; the one delivered again counts once
    assert kept_up["report rewritten"]  # the marts changed: so did the report
