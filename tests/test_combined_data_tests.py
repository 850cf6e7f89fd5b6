"""The data tests that do in one query what took one per invariant (issue 8: every data test
is a node of every build) still fail the build on each invariant they guard:

- a model's key (dbt_project/macros/test_primary_key.sql, where `unique` + `not_null` took two)
  on a duplicate key and on a null key, for one column and for a combination of columns;
- a model's required columns (macros/test_not_null_columns.sql, one `not_null` per column before)
  on a null in any one of them.

They corrupt a copy of the session's `dbt build` by hand (conftest `dbt_on_its_own`) and run
real `dbt test` on it."""

from __future__ import annotations

import re
import shutil

import duckdb
from conftest import dbt_by_hand


def failures(output: str) -> dict[str, int]:
    """{test name: failing rows} from dbt's log lines `FAIL 2 primary_key_stg_units_unit_id`."""
    return {name: int(rows) for rows, name in re.findall(r"FAIL (\d+) (\S+) \.", output)}


def test_a_duplicate_or_null_key_or_a_missing_required_value_fails_its_test(dbt_on_its_own, handmade_build, tmp_path):
    result, workdir = dbt_on_its_own
    assert result.returncode == 0, result.stdout[-3000:]
    warehouse = tmp_path / "corrupted.duckdb"
    shutil.copy(workdir / "by_dbt.duckdb", warehouse)
    with duckdb.connect(str(warehouse)) as con:
        (unit_id,) = con.execute("select unit_id from staging.stg_units limit 1").fetchone()
        # A second row for a unit already there, and a row with no unit_id: two failing key values.
        con.execute("insert into staging.stg_units select * from staging.stg_units where unit_id = ?", [unit_id])
        con.execute("insert into staging.stg_units select * replace (null as unit_id) from staging.stg_units limit 1")
        # The grain of unit_monthly is (unit_id, month): one (unit, month) twice.
        con.execute("insert into marts.unit_monthly select * from marts.unit_monthly limit 1")
        # A quarantine row with no reason, and one with neither a reason nor a file: two rows missing a value.
        con.execute("insert into ops.quarantine select * replace (null as reason) from ops.quarantine limit 1")
        con.execute("insert into ops.quarantine select * replace (null as reason, null as file_path) from ops.quarantine limit 1")

    corrupted = dbt_by_hand(
        ["test", "--select", "stg_units", "unit_monthly", "quarantine"], handmade_build / "lake", warehouse, tmp_path
    )

    assert corrupted.returncode == 1, corrupted.stdout[-3000:]
    assert failures(corrupted.stdout) == {
        "primary_key_stg_units_unit_id": 2,
        "primary_key_unit_monthly_unit_id__month": 1,
        "not_null_columns_quarantine_source__file_path__reason": 2,
    }, corrupted.stdout[-3000:]
