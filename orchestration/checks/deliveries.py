"""Freshness and volume of deliveries, as Dagster asset checks on the ingest assets.

They warn (AssetCheckSeverity.WARN, never blocking): a thin or missing
delivery is worth a look, not a reason to withhold the rows that did arrive.
The run summary prints them as `check warning: …`. The statistics and their
thresholds are in volume.py (DeliveryCheckSettings) and silence.py.
"""

from datetime import date

import polars as pl
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from orchestration.checks import markdown
from orchestration.checks.silence import silent_units
from orchestration.checks.volume import SETTINGS, summary_line, volume_verdicts
from orchestration.partitions import delivery_day
from orchestration.resources import LakePaths
from sources.contract import EVENT_SPECS

# What the checks raise when the lake cannot be read: the check warns with it
# instead of failing the run (the ingest asset has already said what broke).
READ_ERRORS = (pl.exceptions.PolarsError, OSError)


def volume_check_name(source: str) -> str:
    return f"{source}_delivery_volume"


def silence_check_name(source: str) -> str:
    return f"{source}_silent_units"


def _run_days(context: AssetCheckExecutionContext) -> list[date]:
    return sorted(date.fromisoformat(key) for key in context.partition_keys)


def _unreadable(source: str, error: Exception) -> AssetCheckResult:
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.WARN,
        metadata={"failures": f"could not read the {source} deliveries in the lake: {first_line}"},
    )


def _number(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _volume_check(source: str):
    @asset_check(
        asset=source,
        name=volume_check_name(source),
        partitions_def=delivery_day,
        blocking=False,
        description=(
            f"Warns when a day's {source} rows drop far below the same weekday in the last "
            f"{SETTINGS.window_days} days (z <= -{SETTINGS.z_cutoff:g} and at least "
            f"{SETTINGS.min_relative_change:.0%} below), as Elementary's volume anomalies."
        ),
    )
    def _check(context: AssetCheckExecutionContext, paths: LakePaths) -> AssetCheckResult:
        try:
            verdicts = volume_verdicts(paths.lake_dir, source, _run_days(context))
        except READ_ERRORS as error:
            return _unreadable(source, error)
        anomalies = [v for v in verdicts if v.anomaly]
        days = markdown.table(
            ["day", "rows", "expected", "spread", "z", "compared with", "anomaly"],
            [
                (
                    v.day,
                    v.rows,
                    _number(v.expected),
                    _number(v.spread),
                    _number(v.z, 1),
                    v.basis,
                    "no verdict" if v.anomaly is None else ("yes" if v.anomaly else ""),
                )
                for v in verdicts
            ],
        )
        return AssetCheckResult(
            passed=not anomalies,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "failures": summary_line([v.describe() for v in anomalies]) or "none",
                "anomalies": len(anomalies),
                "days_judged": sum(v.anomaly is not None for v in verdicts),
                "days_without_verdict": sum(v.anomaly is None for v in verdicts),
                "z_cutoff": SETTINGS.z_cutoff,
                "window_days": SETTINGS.window_days,
                "days": MetadataValue.md(days),
            },
        )

    return _check


def _silence_check(source: str):
    @asset_check(
        asset=source,
        name=silence_check_name(source),
        partitions_def=delivery_day,
        blocking=False,
        description=(
            f"Warns when a unit whose cadres delivered {source} on at least {SETTINGS.unit_active_share:.0%} "
            f"of the same kind of day (workday or rest day) in the last {SETTINGS.unit_window_days} days, "
            f"at least {SETTINGS.unit_min_rows_per_day:g} rows a day, delivered none on a day."
        ),
    )
    def _check(context: AssetCheckExecutionContext, paths: LakePaths) -> AssetCheckResult:
        days = _run_days(context)
        try:
            found, skipped = silent_units(paths.lake_dir, source, days)
        except READ_ERRORS as error:
            return _unreadable(source, error)
        return AssetCheckResult(
            passed=not found,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "failures": summary_line([s.describe() for s in found]) or "none",
                "silent_unit_days": len(found),
                "units": ", ".join(sorted({s.unit_id for s in found})) or "none",
                "days_judged": len(days) - len(skipped),
                "days_without_verdict": MetadataValue.md(
                    "\n".join(f"- {day}: {reason}" for day, reason in sorted(skipped.items())) or "none"
                ),
            },
        )

    return _check


delivery_checks = [make(source) for source in EVENT_SPECS for make in (_volume_check, _silence_check)]
