"""Silent units: a unit whose cadres delivered a source on most recent days, but nothing on one day.

A unit is expected on a day when its cadres appear in the source on at least
`unit_active_share` of the recent days of the same kind (workdays or rest
days), with enough rows a day that a day without any is no accident. A day on which the whole source
fell (a volume anomaly, or no delivery) is left to the volume check: every
unit would be silent then, and one warning says it better than a hundred.
Events are read from the lake, units from the cadres snapshot (first row per
cadre_id, as staging.stg_cadres keeps it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from orchestration.checks.volume import SETTINGS, DeliveryCheckSettings, daily_rows, is_rest_day, judge_history

# The column naming the cadre who delivered each event (votes: the voter; the
# target may be anyone's cadre).
CADRE_COLUMN = {"app_logins": "cadre_id", "checkins": "cadre_id", "votes": "voter_id", "cases": "cadre_id", "reports": "cadre_id"}


@dataclass(frozen=True)
class SilentUnit:
    day: date
    unit_id: str
    active_days: int
    window_days: int
    usual_rows: float
    kind: str

    def describe(self) -> str:
        return (
            f"{self.day}: unit {self.unit_id} delivered nothing (on {self.active_days} of {self.window_days} "
            f"earlier {self.kind} it did, {self.usual_rows:.0f} rows a day)"
        )


def _day_folders(lake: Path, source: str, first: date, last: date) -> list[str]:
    files = []
    for folder in (lake / source).glob("dt=*"):
        try:
            day = date.fromisoformat(folder.name[len("dt=") :])
        except ValueError:
            continue
        if first <= day <= last and (folder / "data.parquet").exists():
            files.append(str(folder / "data.parquet"))
    return sorted(files)


def units_per_day(lake: Path, source: str, first: date, last: date) -> dict[date, dict[str, int]]:
    """Delivery day -> unit -> rows of its cadres in that day's lake folder."""
    files = _day_folders(lake, source, first, last)
    roster_files = sorted((lake / "reference").glob("*cadres.parquet"))
    if not files or not roster_files:
        return {}
    roster = (
        pl.scan_parquet(roster_files, missing_columns="insert", extra_columns="ignore")
        .sort("_row")
        .unique(subset="cadre_id", keep="first")
        .select("cadre_id", "unit_id")
    )
    events = pl.scan_parquet(files, hive_partitioning=False).select(
        pl.col("_dt").alias("day"), pl.col(CADRE_COLUMN[source]).alias("cadre_id")
    )
    per_unit = events.join(roster, on="cadre_id").group_by("day", "unit_id").len().collect()
    active: dict[date, dict[str, int]] = {}
    for day, unit, rows in per_unit.iter_rows():
        active.setdefault(day, {})[unit] = rows
    return active


def silent_units(
    lake: Path, source: str, days: list[date], settings: DeliveryCheckSettings = SETTINGS
) -> tuple[list[SilentUnit], dict[date, str]]:
    """The units silent on each of `days`, and why a day got no verdict (day -> reason)."""
    if not days:
        return [], {}
    delivered = daily_rows(lake, source)
    verdicts = judge_history(delivered, min(days), max(days), settings)
    active = units_per_day(lake, source, min(days) - timedelta(days=settings.unit_window_days), max(days))
    found, skipped = [], {}
    for day in sorted(days):
        volume = verdicts[day]
        if volume.rows == 0 or volume.anomaly:
            skipped[day] = "the whole source fell (see the volume check)"
            continue
        kind = "rest days" if is_rest_day(day, settings) else "workdays"
        # Same-kind days since the source's first delivery, less those on which the whole source fell.
        window = [
            earlier
            for earlier in (day - timedelta(days=back) for back in range(1, settings.unit_window_days + 1))
            if earlier in verdicts
            and not verdicts[earlier].anomaly
            and is_rest_day(earlier, settings) == is_rest_day(day, settings)
        ]
        if len(window) < settings.unit_min_days:
            skipped[day] = f"too little history ({len(window)} earlier {kind})"
            continue
        seen: dict[str, list[int]] = {}
        for earlier in window:
            for unit, rows in active.get(earlier, {}).items():
                seen.setdefault(unit, []).append(rows)
        for unit, counts in sorted(seen.items()):
            usual = sum(counts) / len(window)
            if (
                len(counts) >= settings.unit_active_share * len(window)
                and usual >= settings.unit_min_rows_per_day
                and unit not in active.get(day, {})
            ):
                found.append(SilentUnit(day, unit, len(counts), len(window), usual, kind))
    return found, skipped
