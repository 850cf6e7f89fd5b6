"""A re-run does again only what changed (issue 8): a delivery day or reference snapshot whose
files, reference ids, settings and loader are those of its last load is not loaded again, a
lake file that passed the GX suite is not validated again, and dbt is not run when nothing it
reads changed. Anything that did change is loaded and built as before.

The loads run on real files in a temp lake; the builds are real `fingertip run`s (in
tests/test_rerun_and_publish.py and the reviewed build of tests/conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import ingest_in_one_run

from storage import gx_process
from storage import lake as lake_module
from storage.lake import ensure_schema_files, load_delivery_day, load_reference, reference_ids

DAY = "2026-09-14"
CADRES = "cadre_id,full_name,unit_id,position,hired_on,active\nC1,Li Wei,U1,clerk,2020-03-01,true\nC2,Wang Fang,U1,head,2019-01-01,true\n"
APPS = "app_id,app_name,owner_department,function_category,mandatory\nA1,Punch,HR,attendance,true\n"
UNITS = "unit_id,unit_name,county,office_lat,office_lon\nU1,Town A,Xushui,38.9123,115.8712\n"
CAMPAIGNS = "campaign_id,title,kind,mandatory,starts_on,ends_on\n"
LOGINS = (
    "login_id,cadre_id,app_id,device_id,ip,login_at,logout_at,actions\n"
    "L1,C1,A1,dev-1,10.0.0.1,2026-09-14T08:00:00+08:00,,1\n"
    "L2,C2,A1,dev-2,10.0.0.2,2026-09-14T08:05:00+08:00,,0\n"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def loaded(tmp_path):
    """A landing folder of one day of logins, loaded once into a lake."""
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    for name, text in (("cadres", CADRES), ("apps", APPS), ("units", UNITS), ("campaigns", CAMPAIGNS)):
        write(landing / "reference" / f"{name}.csv", text)
    write(landing / "app_logins" / f"dt={DAY}" / "part-0.csv", LOGINS)
    ensure_schema_files(lake)
    load_reference(landing, lake)
    first = load_delivery_day(landing, lake, "app_logins", DAY, reference_ids(lake))
    assert not first.unchanged and first.rows_valid == 2
    return landing, lake


def written(lake: Path) -> dict[str, int]:
    """Every file of the lake -> its modification time: a load that is skipped changes none."""
    return {p.relative_to(lake).as_posix(): p.stat().st_mtime_ns for p in sorted(lake.rglob("*")) if p.is_file()}


def load_again(landing: Path, lake: Path, **settings):
    return load_delivery_day(landing, lake, "app_logins", DAY, reference_ids(lake), **settings)


def test_an_unchanged_day_is_not_loaded_again_and_reports_its_last_load(loaded):
    landing, lake = loaded
    before = written(lake)
    again = load_again(landing, lake)
    assert again.unchanged
    assert (again.files, again.rows_read, again.rows_valid, again.rows_quarantined) == (1, 2, 2, 0)
    assert written(lake) == before


def test_a_file_rewritten_in_place_within_the_same_clock_tick_is_loaded_again(loaded):
    landing, lake = loaded
    # Same name, same size, written at once: only its content tells it apart.
    write(landing / "app_logins" / f"dt={DAY}" / "part-0.csv", LOGINS.replace("L2,C2", "L3,C2"))
    again = load_again(landing, lake)
    assert not again.unchanged
    ids = pl.read_parquet(lake / "app_logins" / f"dt={DAY}" / "data.parquet")["login_id"].to_list()
    assert sorted(ids) == ["L1", "L3"]


def test_a_file_added_to_the_day_is_loaded_with_the_rest(loaded):
    landing, lake = loaded
    write(landing / "app_logins" / f"dt={DAY}" / "part-1.csv", LOGINS.splitlines()[0] + "\nL9,C1,A1,d,i,2026-09-14T09:00:00,,2\n")
    again = load_again(landing, lake)
    assert not again.unchanged and again.rows_valid == 3


def test_a_changed_roster_reloads_the_days_that_name_its_cadres(loaded):
    landing, lake = loaded
    write(landing / "reference" / "cadres.csv", CADRES.splitlines()[0] + "\n" + CADRES.splitlines()[1] + "\n")  # C2 left
    summaries = load_reference(landing, lake)
    assert not summaries["cadres"].unchanged and summaries["apps"].unchanged
    again = load_again(landing, lake)
    assert not again.unchanged
    assert (again.rows_valid, again.rows_quarantined) == (1, 1)  # L2's cadre is no longer known


def test_a_changed_setting_reloads_the_day(loaded):
    landing, lake = loaded
    assert not load_again(landing, lake, window_days=(30, 1)).unchanged
    assert load_again(landing, lake, window_days=(30, 1)).unchanged


def test_a_lake_file_changed_or_removed_by_hand_is_written_again(loaded):
    landing, lake = loaded
    data = lake / "app_logins" / f"dt={DAY}" / "data.parquet"
    data.unlink()
    assert not load_again(landing, lake).unchanged
    assert pl.read_parquet(data).height == 2


def test_a_load_that_dies_half_way_leaves_no_receipt_and_is_done_again(loaded, monkeypatch):
    landing, lake = loaded
    write(landing / "app_logins" / f"dt={DAY}" / "part-1.csv", LOGINS.replace("L1,", "L7,").replace("L2,", "L8,"))

    def full_disk(frame, path):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(lake_module, "_write", full_disk)
        with pytest.raises(OSError):
            load_again(landing, lake)
    assert not (lake / "_loaded" / "app_logins" / f"{DAY}.json").exists()
    again = load_again(landing, lake)
    assert not again.unchanged and again.rows_valid == 4


def test_a_torn_receipt_means_load_again(loaded):
    landing, lake = loaded
    (lake / "_loaded" / "app_logins" / f"{DAY}.json").write_text('{"inputs": ')
    assert not load_again(landing, lake).unchanged


def test_great_expectations_checks_a_lake_file_once_until_it_changes(loaded):
    from orchestration.assets.ingest import event_assets, reference_tables
    from orchestration.checks.expectations import batch_checks

    landing, lake = loaded
    logins = next(a for a in event_assets if a.key.to_user_string() == "app_logins")
    checks = [c for c in batch_checks if next(iter(c.check_keys)).asset_key.to_user_string() == "app_logins"]

    def check_run():
        result = ingest_in_one_run(landing, lake, [reference_tables, logins], checks)
        assert result.success
        [evaluation] = result.get_asset_check_evaluations()
        [materialization] = [e.materialization for e in result.get_asset_materialization_events() if e.asset_key == logins.key]
        return evaluation, materialization.metadata

    # The fixture's load left no GX pass on record: the first run validates the day. On an ephemeral
    # instance (a test's or a script's run, whose process lives on), in the run's own process.
    evaluation, _ = check_run()
    assert evaluation.passed and evaluation.metadata["rows"].value == 2
    assert evaluation.metadata["validated_in"].value == "the build's own process"
    assert gx_process.process() is None
    evaluation, ingested = check_run()
    assert ingested["days_unchanged"].value == 1
    assert evaluation.passed and evaluation.metadata["rows"].value == 0 and evaluation.metadata["days_unchanged"].value == 1
    receipt = json.loads((lake / "_loaded" / "app_logins" / f"{DAY}.json").read_text())
    assert receipt["checked"][1] == f"app_logins/dt={DAY}/data.parquet"
    # A re-delivered day is loaded, and its new lake file validated, again.
    write(landing / "app_logins" / f"dt={DAY}" / "part-0.csv", LOGINS.replace("L2,C2", "L3,C2"))
    evaluation, ingested = check_run()
    assert ingested["days_unchanged"].value == 0
    assert evaluation.passed and evaluation.metadata["rows"].value == 2
