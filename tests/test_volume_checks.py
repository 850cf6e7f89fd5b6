"""Delivery checks (volume with day-of-week seasonality, silent units) on a real, trimmed demo landing.

The demo landing of the shared `demo_build` (60 cadres, 2026-08-27 to 2026-09-30
and three days of late deliveries) is copied with its check-ins, and two days
are trimmed as a broken delivery would be: on one Tuesday every check-in file
keeps a tenth of its rows; on one Thursday one unit's rows are removed. The
real ingest asset loads it into a lake and the real asset checks judge it, in
one Dagster run (no dbt: the checks read the lake).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import statistics
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import ingest_in_one_run
from dagster import AssetCheckSeverity, DagsterInstance

from orchestration.checks.deliveries import delivery_checks, silence_check_name, volume_check_name
from orchestration.checks.silence import silent_units
from orchestration.checks.volume import SETTINGS, DeliveryCheckSettings, daily_rows, judge_days, volume_verdicts
from sources.landing import delivery_days

SOURCE = "checkins"
CUT_DAY = date(2026, 9, 22)  # a Tuesday: each file keeps every tenth row
KEEP_EVERY = 10
SILENT_DAY, SILENT_UNIT = date(2026, 9, 17), "U006"  # a Thursday: this unit's check-ins removed
# Ordinary weekend days with enough history to be judged (the demo's offices
# close: a tenth of a workday's check-ins).
# A dip to less than this share of the recent workdays' mean is as deep as a broken delivery.
DEEP_DIP = 0.25
WEEKEND_DAYS = [date(2026, 9, 13), date(2026, 9, 19), date(2026, 9, 20), date(2026, 9, 26), date(2026, 9, 27)]


def _rewrite(path: Path, keep) -> None:
    """Keep the rows of one landing file for which keep(index, row) holds, in the file's own format."""
    name = path.name
    opener = gzip.open if name.endswith(".gz") else open
    if ".csv" in name:
        with opener(path, "rt", encoding="utf-8", errors="surrogateescape", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = [row for i, row in enumerate(reader) if keep(i, dict(zip(header, row)))]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        with opener(path, "wt", encoding="utf-8", errors="surrogateescape", newline="") as f:
            f.write(out.getvalue())
    elif ".jsonl" in name:

        def parsed(line: str) -> dict:
            try:
                return json.loads(line)
            except ValueError:  # a bad line, as delivered: it stays
                return {}

        with opener(path, "rt", encoding="utf-8", errors="surrogateescape") as f:
            lines = [line for line in f if line.strip()]
        kept = [line for i, line in enumerate(lines) if keep(i, parsed(line))]
        with opener(path, "wt", encoding="utf-8", errors="surrogateescape") as f:
            f.writelines(kept)
    elif name.endswith(".parquet"):
        frame = pl.read_parquet(path)
        mask = [keep(i, row) for i, row in enumerate(frame.iter_rows(named=True))]
        frame.filter(pl.Series(mask)).write_parquet(path)
    else:
        raise AssertionError(f"unexpected landing file {path}")


def _cadres_of(landing: Path, unit: str) -> set[str]:
    with (landing / "reference" / "cadres.csv").open(newline="", encoding="utf-8") as f:
        return {row["cadre_id"] for row in csv.DictReader(f) if row["unit_id"] == unit}


def _day_folder(landing: Path, day: date) -> Path:
    return landing / SOURCE / f"dt={day}"


@pytest.fixture(scope="module")
def trimmed(demo_build, tmp_path_factory):
    """(lake, run result): the trimmed check-ins ingested and checked in one Dagster run."""
    from orchestration.assets.ingest import event_assets, reference_tables

    demo_landing, _ = demo_build
    work = tmp_path_factory.mktemp("trimmed")
    landing = work / "landing"
    for part in ("reference", SOURCE):
        shutil.copytree(demo_landing / part, landing / part)
    for file in _day_folder(landing, CUT_DAY).iterdir():
        _rewrite(file, lambda i, row: i % KEEP_EVERY == 0)
    silent = _cadres_of(landing, SILENT_UNIT)
    assert silent, f"the demo roster has no unit {SILENT_UNIT}"
    for file in _day_folder(landing, SILENT_DAY).iterdir():
        _rewrite(file, lambda i, row: row.get("cadre_id") not in silent)

    ingest = next(a for a in event_assets if a.key.to_user_string() == SOURCE)
    checks = [c for c in delivery_checks if next(iter(c.check_keys)).asset_key.to_user_string() == SOURCE]
    lake = work / "lake"
    result = ingest_in_one_run(landing, lake, [reference_tables, ingest], checks)
    return lake, result, [date.fromisoformat(d) for d in delivery_days(landing)]


def _evaluation(result, check_name: str):
    found = [e for e in result.get_asset_check_evaluations() if e.check_name == check_name]
    assert len(found) == 1, f"{check_name}: {len(found)} evaluations"
    return found[0]


def test_the_volume_check_warns_on_the_day_cut_by_90_percent(trimmed):
    lake, result, days = trimmed
    assert result.success  # a warning never fails the run
    rows = daily_rows(lake, SOURCE)
    verdict = {v.day: v for v in volume_verdicts(lake, SOURCE, days)}[CUT_DAY]
    assert verdict.anomaly is True and verdict.z <= -SETTINGS.z_cutoff
    assert rows[CUT_DAY][0] <= verdict.expected / 5  # the cut left about a tenth
    assert "Tuesdays" in verdict.basis  # compared with the same weekday
    evaluation = _evaluation(result, volume_check_name(SOURCE))
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.WARN
    assert f"{CUT_DAY}: {rows[CUT_DAY][0]} rows" in evaluation.metadata["failures"].text


def test_the_volume_check_is_silent_on_ordinary_weekend_dips(trimmed):
    lake, _, days = trimmed
    verdicts = {v.day: v for v in volume_verdicts(lake, SOURCE, days)}
    for day in WEEKEND_DAYS:
        assert verdicts[day].anomaly is False, verdicts[day].describe()  # judged, and not an anomaly
    assert verdicts[SILENT_DAY].anomaly is False  # one unit fewer is not a broken delivery
    # The weekday is what tells them apart: a weekend day falls about as far below
    # the workdays as the cut day does ...
    rows = daily_rows(lake, SOURCE)
    workdays = [rows[d][0] for d in days if d < CUT_DAY and d.weekday() < 5][-5:]
    assert all(rows[day][0] < DEEP_DIP * statistics.fmean(workdays) for day in [*WEEKEND_DAYS, CUT_DAY])
    # ... and judged against all recent days alike, the weekends widen the range
    # so much that the cut day would pass unnoticed.
    flat = DeliveryCheckSettings(min_same_weekday=len(days) + 1, rest_weekdays=())
    assert {v.day: v for v in judge_days(rows, days, flat)}[CUT_DAY].anomaly is False


def test_with_little_history_a_day_is_compared_with_its_kind_or_gets_no_verdict(trimmed):
    lake, _, days = trimmed
    verdicts = {v.day: v for v in volume_verdicts(lake, SOURCE, days)}
    assert verdicts[days[0]].anomaly is None and verdicts[days[0]].basis == "no earlier delivery"
    assert verdicts[date(2026, 8, 29)].anomaly is None  # the first Saturday: no earlier rest day
    # The second Thursday has one earlier Thursday: it is compared with the workdays before it.
    assert verdicts[date(2026, 9, 3)].anomaly is False and verdicts[date(2026, 9, 3)].basis == "5 earlier workdays"


def test_the_silent_unit_check_names_the_unit_that_went_silent_and_no_other(trimmed):
    lake, result, days = trimmed
    found, skipped = silent_units(lake, SOURCE, days)
    assert [(s.day, s.unit_id) for s in found] == [(SILENT_DAY, SILENT_UNIT)]
    assert found[0].usual_rows >= SETTINGS.unit_min_rows_per_day
    assert CUT_DAY in skipped  # the whole source fell that day: the volume check says so, once
    evaluation = _evaluation(result, silence_check_name(SOURCE))
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.WARN
    assert f"{SILENT_DAY}: unit {SILENT_UNIT} delivered nothing" in evaluation.metadata["failures"].text


def test_the_run_summary_prints_the_warnings_beside_failed_checks(trimmed, demo_build, capsys):
    from orchestration.build import _describe_failed_check, print_summary
    from orchestration.settings import Settings

    _, result, days = trimmed
    line = _describe_failed_check(_evaluation(result, volume_check_name(SOURCE)))
    assert line.startswith(f"check warning: {SOURCE}:{volume_check_name(SOURCE)} (") and str(CUT_DAY) in line
    landing, warehouse = demo_build
    settings = Settings.from_env(
        {"FINGERTIP_LANDING": str(landing), "FINGERTIP_WAREHOUSE": str(warehouse), "FINGERTIP_FIRST_DAY": str(days[0])}
    )
    print_summary(settings, [str(d) for d in days], result.run_id, [line])
    assert f"\n  {line}\n" in capsys.readouterr().out


def test_the_demo_build_warns_about_its_holiday_and_still_succeeds(demo_build):
    """The demo's offices close on 2026-09-25 (a Friday, sources/demo.py): `fingertip run`
    exited 0 (the fixture checks it) and Dagster recorded the warning for the UI."""
    from dagster import AssetCheckKey, AssetKey
    from dagster._core.instance.ref import InstanceRef

    from orchestration.settings import ensure_dagster_home

    _, warehouse = demo_build
    home = warehouse.parent / ".dagster"
    ensure_dagster_home(home)  # as every fingertip process opens it
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    key = AssetCheckKey(AssetKey("app_logins"), volume_check_name("app_logins"))
    [record] = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
    evaluation = record.evaluation
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.WARN
    assert "2026-09-25: " in evaluation.metadata["failures"].text
    assert instance.get_run_by_id(record.run_id).is_success
