"""What the Dagster UI shows on its own after a real build (the shared `demo_build`,
made by `fingertip run`): read back from that build's Dagster instance and
compared with the warehouse it wrote.
"""

from __future__ import annotations

import pytest
from conftest import query
from dagster import AssetKey, DagsterInstance
from dagster._core.instance.ref import InstanceRef

from orchestration.assets.dbt import FLAG_REGISTRY_SEED, PREVIEW_ROWS
from orchestration.checks.markdown import cell
from sources.contract import EVENT_SPECS, REFERENCE_TABLES
from storage.publish import WITHHELD_COLUMNS


@pytest.fixture(scope="module")
def built(demo_build):
    """(instance, warehouse) of the demo build."""
    from orchestration.settings import ensure_dagster_home

    _, warehouse = demo_build
    home = warehouse.parent / ".dagster"
    ensure_dagster_home(home)  # as every fingertip process opens it
    return DagsterInstance.from_ref(InstanceRef.from_dir(str(home))), warehouse


@pytest.fixture(scope="module")
def marts(dbt_manifest) -> list[str]:
    """Every model in the marts group of the code location (not a list kept here)."""
    from orchestration.definitions import defs

    graph = defs.get_repository_def().asset_graph
    names = [key.path[1] for key in graph.get_all_asset_keys() if graph.get(key).group_name == "marts"]
    assert len(names) >= 4
    return sorted(names)


def _metadata(instance, key: list[str]) -> dict:
    event = instance.get_latest_materialization_event(AssetKey(key))
    assert event is not None, f"{'/'.join(key)} was never materialized"
    return event.asset_materialization.metadata


def _columns(warehouse, table: str) -> list[tuple[str, str]]:
    return query(
        warehouse,
        "select column_name, lower(data_type) from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? order by ordinal_position",
        [table],
    )


def test_every_mart_has_its_row_count_and_column_schema(built, marts):
    instance, warehouse = built
    for mart in marts:
        metadata = _metadata(instance, ["marts", mart])
        assert metadata["dagster/row_count"].value == query(warehouse, f"select count(*) from marts.{mart}")[0][0], mart
        schema = metadata["dagster/column_schema"].schema
        assert [(c.name, c.type) for c in schema.columns] == _columns(warehouse, mart), mart
    # Descriptions come from the dbt docs (the contract's words).
    cadre_monthly = {c.name: c for c in _metadata(instance, ["marts", "cadre_monthly"])["dagster/column_schema"].schema.columns}
    assert cadre_monthly["quadrant"].description and "busy_and_effective" in cadre_monthly["quadrant"].description


def test_every_mart_has_a_markdown_preview_of_its_top_rows_without_withheld_columns(built, marts):
    instance, warehouse = built
    for mart in marts:
        lines = _metadata(instance, ["marts", mart])["preview"].md_str.splitlines()
        shown = [name for name, _ in _columns(warehouse, mart) if name not in WITHHELD_COLUMNS.get(mart, ())]
        assert lines[0] == "| " + " | ".join(shown) + " |", mart
        rows = query(warehouse, f"select {', '.join(shown)} from marts.{mart} order by all limit ?", [PREVIEW_ROWS])
        assert lines[2:] == ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows], mart
    flags_header = _metadata(instance, ["marts", "padding_flags"])["preview"].md_str.splitlines()[0]
    assert "evidence" not in flags_header and "subject_id" not in flags_header


def test_padding_flags_carry_the_flags_per_code_as_numbers_for_every_registry_code(built):
    instance, warehouse = built
    metadata = _metadata(instance, ["marts", "padding_flags"])
    per_code = {key.removeprefix("flags/"): value.value for key, value in metadata.items() if key.startswith("flags/")}
    [(seed_schema,)] = query(
        warehouse, "select table_schema from information_schema.tables where table_name = ?", [FLAG_REGISTRY_SEED]
    )
    registry = {code for (code,) in query(warehouse, f"select flag_code from {seed_schema}.{FLAG_REGISTRY_SEED}")}
    counted = dict(query(warehouse, "select flag_code, count(*) from marts.padding_flags group by 1"))
    assert set(per_code) == registry | set(counted)
    assert per_code == {code: counted.get(code, 0) for code in per_code}
    assert all(isinstance(n, int) for n in per_code.values()) and sum(per_code.values()) > 0


def test_every_ingest_asset_carries_its_quarantine_count(built):
    instance, warehouse = built
    for source in EVENT_SPECS:
        metadata = _metadata(instance, [source])
        [(in_warehouse,)] = query(warehouse, "select count(*) from ops.quarantine where source = ?", [source])
        # One run built every delivery day, so this run's days are all of them.
        assert metadata["quarantine/rows"].value == metadata["quarantine/rows_all_days"].value == in_warehouse, source
    reference = sum(_metadata(instance, [table])["quarantine/rows"].value for table in REFERENCE_TABLES)
    assert reference == query(warehouse, "select count(*) from ops.quarantine where source = 'reference'")[0][0]
    assert reference + sum(_metadata(instance, [s])["quarantine/rows"].value for s in EVENT_SPECS) > 0


def test_every_batch_check_ran_in_the_gx_process_the_build_started(built):
    from dagster import DagsterEventType

    instance, _ = built
    [run] = instance.get_runs(limit=1)
    evaluations = [
        event.dagster_event.asset_check_evaluation_data
        for event in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    ]
    batch_checks = {e.asset_check_key.name: e for e in evaluations if e.asset_check_key.name.endswith("_batch_expectations")}
    assert set(batch_checks) == {f"{source}_batch_expectations" for source in EVENT_SPECS}
    for name, evaluation in batch_checks.items():
        assert evaluation.passed, name
        assert evaluation.metadata["validated_in"].value.startswith("GX process (pid "), name
