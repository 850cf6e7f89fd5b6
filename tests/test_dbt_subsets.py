"""What a user picks alone in the UI runs as asked: a part of the dbt project (a model, a test)
records nothing, and the analysts' copy before any build says what to do.

A build of the whole project is skipped when nothing it reads changed, and records what it read
(orchestration/assets/dbt.py). A part was taken for the whole (Dagster hands the asset the part
as its definition): a test picked alone reported the last build's pass instead of checking the
tables, and a part run after new deliveries recorded the lake, so that the next whole build
skipped dbt and left the marts stale.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import query
from dagster import AssetCheckKey, AssetKey, AssetSelection, DagsterInstance, materialize

# dagster-dbt's own use of a deprecated Dagster method when it runs a part of the project.
pytestmark = pytest.mark.filterwarnings("ignore:AssetExecutionContext.op is deprecated:DeprecationWarning")
CADRE_MONTHLY = AssetKey(["marts", "cadre_monthly"])
STG_APP_LOGINS = AssetKey(["staging", "stg_app_logins"])
STG_APPS = AssetKey(["staging", "stg_apps"])
BUILT_FROM = "select * from ops.microbatch_built_from order by all"


def build_part(selection: AssetSelection, warehouse: Path, lake: Path):
    """`selection` of the dbt multi-asset materialized, as the UI does when a user picks it."""
    from orchestration.assets.dbt import warehouse_models
    from orchestration.resources import LakePaths, Warehouse, dbt_cli

    return materialize(
        [warehouse_models],
        selection=selection,
        instance=DagsterInstance.ephemeral(),
        resources={
            "dbt": dbt_cli(),
            "warehouse": Warehouse(database=str(warehouse), published=str(warehouse.with_name("analytics.duckdb"))),
            "paths": LakePaths(
                landing=str(lake.with_name("landing")), lake=str(lake), reviews_inbox=str(lake.with_name("inbox"))
            ),
        },
        raise_on_error=False,
    )


def test_a_part_picked_in_the_ui_runs_as_asked_and_records_nothing(handmade_build, tmp_path):
    from orchestration.assets.dbt import warehouse_models

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_build / "warehouse.duckdb", warehouse)
    lake = shutil.copytree(handmade_build / "lake", tmp_path / "lake")  # copy2: the lake is as the build read it
    recorded = query(warehouse, BUILT_FROM)

    # 1. Nothing dbt reads changed, but a row is there twice: the mart's key test, picked alone, runs and fails.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into marts.cadre_monthly select * from marts.cadre_monthly limit 1")
    [check] = [
        key for key in warehouse_models.check_keys if key.asset_key == CADRE_MONTHLY and key.name.startswith("primary_key")
    ]
    result = build_part(AssetSelection.checks(check), warehouse, lake)
    evaluations = {e.asset_check_key: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {AssetCheckKey(CADRE_MONTHLY, check.name)}
    assert not evaluations[check].passed

    # 2. A delivery changed: the staging model picked alone rebuilds, and what it read is not
    # recorded, so the next whole build still rebuilds everything the change reaches.
    logins = next((lake / "app_logins").rglob("*.parquet"))
    os.utime(logins, ns=(logins.stat().st_atime_ns, logins.stat().st_mtime_ns + 10**9))
    result = build_part(AssetSelection.assets(STG_APP_LOGINS), warehouse, lake)
    assert result.success
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [STG_APP_LOGINS]
    assert query(warehouse, BUILT_FROM) == recorded
    # Its own tests ran, among them those that read other models (its app_id among stg_apps'), and no other.
    ran = {e.asset_check_key for e in result.get_asset_check_evaluations()}
    assert ran == {key for key in warehouse_models.check_keys if key.asset_key == STG_APP_LOGINS}
    assert any(key.name.startswith("relationships_stg_app_logins_app_id") for key in ran)


def test_a_part_runs_only_its_own_tests_also_where_the_models_they_read_are_not_built_yet(handmade_build, tmp_path):
    """The first run of a backfill launched from the UI's asset graph over a new warehouse builds the
    models that read no delivery. Picked with them, stg_apps made dbt run the relationships test of
    stg_app_logins too (its app_id among stg_apps'), which failed: stg_app_logins was not built yet."""
    from orchestration.assets.dbt import warehouse_models

    warehouse = tmp_path / "warehouse.duckdb"  # none yet
    lake = shutil.copytree(handmade_build / "lake", tmp_path / "lake")
    result = build_part(AssetSelection.assets(STG_APPS), warehouse, lake)
    assert result.success, [e.step_failure_data.error.message[:2000] for e in result.get_step_failure_events()]
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [STG_APPS]
    ran = {e.asset_check_key for e in result.get_asset_check_evaluations()}
    assert ran == {key for key in warehouse_models.check_keys if key.asset_key == STG_APPS}


def test_the_analysts_copy_picked_alone_before_any_build_says_to_build_first(tmp_path):
    from orchestration.assets.publish import analytics_copy
    from orchestration.resources import Warehouse

    missing = tmp_path / "warehouse.duckdb"
    result = materialize(
        [analytics_copy],
        instance=DagsterInstance.ephemeral(),
        resources={"warehouse": Warehouse(database=str(missing), published=str(tmp_path / "analytics.duckdb"))},
        raise_on_error=False,
    )
    [failure] = result.get_step_failure_events()
    assert failure.step_failure_data.error.message.strip() == (
        f"dagster._core.definitions.events.Failure: the warehouse {missing} does not exist: "
        "build it first (`fingertip run`, or the whole job)"
    )
