"""The Great Expectations batch checks as Dagster asset checks: one per event source,
over the lake files its run loaded. The suites are storage/batch_expectations.py;
they run in the GX process of the build (storage/gx_process.py), or here."""

from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    asset_check,
)

from orchestration.partitions import delivery_day
from orchestration.resources import GxProcess, LakePaths
from orchestration.settings import plausible_window_days
from sources.contract import EVENT_SPECS
from storage import gx_process, load_receipts
from storage.batch_expectations import suite_version


def may_validate(landing: Path, lake: Path, days: list[str]) -> bool:
    """Whether a build of these delivery days may have a lake file to validate: some source's day
    delivered in `landing` has no receipt of a pass of this suite. A look at the receipts only (the
    loader decides what changed); a wrong guess costs time, never a check."""
    suite = suite_version(plausible_window_days())
    for source in EVENT_SPECS:
        for day in days:
            if (landing / source / f"dt={day}").is_dir():
                checked = (load_receipts.read(lake, source, day) or {}).get("checked") or [None]
                if checked[0] != suite:
                    return True
    return False


def _batch(lake: Path, source: str, partition_keys) -> tuple[list, list, tuple[int, int], str]:
    """For the days of this run: the days whose lake file exists; those to validate; the window; the suite.

    A day's lake file that passed this suite and has not changed since (its load's receipt says
    so, storage/load_receipts.py) is not validated again: a re-run of a whole landing folder
    would otherwise pay GX's import and a pass over every row for nothing."""
    days = [(dt, lake / source / f"dt={dt}" / "data.parquet") for dt in partition_keys]
    days = [(dt, file) for dt, file in days if file.exists()]
    window = plausible_window_days()
    suite = suite_version(window)
    unchecked = [(dt, file) for dt, file in days if not load_receipts.already_checked(lake, source, dt, file, suite)]
    return days, unchecked, window, suite


CHECK_SUFFIX = "_batch_expectations"


def send_ahead(context: AssetExecutionContext, lake: Path, source: str) -> None:
    """Hand the GX process the batch the source's check will validate, once the source is loaded:
    it is validated while the build loads the next source (storage/gx_process.py).

    `fingertip run` starts the process before its run. A run that Dagster launched (`dagster dev`,
    the schedule, a sensor) starts it here, at the first source with a batch to validate whose
    check the run runs: its checks then read the verdicts as `fingertip run`'s do, instead of
    importing GX themselves after dbt (every step runs in the run's one process: definitions.py).
    The dbt step ends the process once it has answered (stop_when_done); a run without one ends it
    when the run ends (the GxProcess resource's teardown).
    Not in a run on an ephemeral instance (a test's or a script's `execute_in_process`): its
    process outlives the run, and so would GX's."""
    if not _validates(context, source):
        return
    _, unchecked, window, _ = _batch(lake, source, context.partition_keys)
    if not unchecked:
        return
    if not context.instance.is_ephemeral:
        gx_process.start()
    gx_process.send_ahead(source, [file for _, file in unchecked], window)


def _validates(context: AssetExecutionContext, source: str) -> bool:
    """Whether the run runs the source's batch check (a selection of None: every check of its assets)."""
    checks = context.run.asset_check_selection
    return checks is None or AssetCheckKey(AssetKey(source), f"{source}{CHECK_SUFFIX}") in checks


def _batch_check(source: str):
    @asset_check(
        asset=source,
        name=f"{source}{CHECK_SUFFIX}",
        partitions_def=delivery_day,
        description=f"GX: schema, not-null, domains, unique provenance and sane timestamps of the loaded {source} batch.",
    )
    def _check(context: AssetCheckExecutionContext, paths: LakePaths, gx: GxProcess) -> AssetCheckResult:
        lake = paths.lake_dir
        days, unchecked, window, suite = _batch(lake, source, context.partition_keys)
        if not days:
            return AssetCheckResult(passed=True, metadata={"rows": 0, "note": "no valid rows delivered"})
        if not unchecked:
            return AssetCheckResult(
                passed=True,
                metadata={"rows": 0, "days_unchanged": len(days), "note": "every day's lake file passed before, unchanged since"},
            )
        outcome, validated_in = gx_process.validate(source, [file for _, file in unchecked], window)
        if outcome["success"]:
            for dt, file in unchecked:
                load_receipts.record_checked(lake, source, dt, file, suite)
        return AssetCheckResult(
            passed=outcome["success"],
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "rows": outcome["rows"],
                "days_unchanged": len(days) - len(unchecked),
                "validated_in": validated_in,
                "expectations": outcome["evaluated"],
                "failures": "\n".join(outcome["failures"]) or "none",
            },
        )

    return _check


batch_checks = [_batch_check(source) for source in EVENT_SPECS]
