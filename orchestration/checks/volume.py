"""Delivery volume: a source's daily row count against its own recent range.

As Elementary's `volume_anomalies` with `seasonality: day_of_week`: a day is
compared with the same weekday in the recent window (a Monday with Mondays),
so the weekend dip is expected, not an anomaly. With too few such days (a
young lake) it is compared with days of the same kind (workdays or rest days);
with too few of those it gets no verdict. The counts come from the lake's
file books (`_audit`, the source of ops.load_audit), which the ingest asset
has just written, so the check needs no warehouse and never waits for dbt.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl


@dataclass(frozen=True)
class DeliveryCheckSettings:
    """Every threshold of the delivery checks, in one place."""

    # |z| at or above this is an anomaly (Elementary's default anomaly_sensitivity).
    z_cutoff: float = 3.0
    # Days before the checked day that form its history: eight weeks, so up to
    # eight same-weekday points (Elementary's 14 days give only two).
    window_days: int = 56
    # Fewer same-weekday days than this in the window: compare with the same kind of day.
    min_same_weekday: int = 3
    # Fewer same-kind days than this: too little history, no verdict.
    min_same_kind: int = 5
    # An anomaly must also be this far from the expected count, as a share of it
    # (Elementary's spike/drop_failure_percent_threshold): with a steady history
    # the standard deviation is small, and a 10 % dip is not a broken delivery.
    min_relative_change: float = 0.3
    # Which side warns (Elementary's anomaly_direction: both, spike or drop). A
    # drop is a lost or truncated delivery; spikes here follow campaigns and the
    # month-end reports, which a weekly pattern cannot foresee, and re-sent rows
    # are already counted as duplicates in ops.load_audit.
    direction: str = "drop"
    # Days of the week (date.weekday(): Monday 0) on which offices are closed.
    rest_weekdays: tuple[int, ...] = (5, 6)
    # A unit is expected on a day when its cadres delivered on at least this
    # share of the same-kind days in the unit window (less the days on which
    # the whole source fell) ...
    unit_active_share: float = 0.8
    unit_window_days: int = 28
    # ... and there were at least this many such days ...
    unit_min_days: int = 5
    # ... and it averaged at least this many rows on them: were its rows a
    # Poisson count, a day without any would happen by chance with
    # probability e^-10 (5 in 100,000 unit-days).
    unit_min_rows_per_day: float = 10.0
    # Findings named in one summary line; the rest are counted.
    max_listed: int = 5


SETTINGS = DeliveryCheckSettings()


# Rows per day of one source, from the lake's file books (one row per file).
@dataclass(frozen=True)
class VolumeVerdict:
    """One day's count against its history; `anomaly` is None when there was too little history."""

    day: date
    rows: int
    files: int
    expected: float | None = None
    spread: float | None = None
    z: float | None = None
    basis: str = ""
    anomaly: bool | None = None

    def describe(self) -> str:
        if self.anomaly is None:
            return f"{self.day}: {self.rows} rows, {self.basis}"
        delivered = f"{self.rows} rows" if self.files else "no delivery"
        return f"{self.day}: {delivered}, expected {self.expected:.0f} ± {self.spread:.0f} from {self.basis}, z {self.z:+.1f}"


def is_rest_day(day: date, settings: DeliveryCheckSettings = SETTINGS) -> bool:
    return day.weekday() in settings.rest_weekdays


def audit_files(lake: Path, source: str) -> list[str]:
    """The source's file books, one Parquet file per delivery day (the typed `_schema` file aside)."""
    return sorted(str(p) for p in (lake / "_audit" / source).glob("*.parquet"))


def daily_rows(lake: Path, source: str) -> dict[date, tuple[int, int]]:
    """Delivery day -> (rows delivered, files delivered) for one source, from the lake's `_audit`."""
    files = audit_files(lake, source)
    if not files:
        return {}
    books = (
        pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore")
        .filter(pl.col("dt").is_not_null())
        .group_by("dt")
        .agg(pl.col("rows_read").fill_null(0).sum().cast(pl.Int64), pl.len())
        .collect()
    )
    return {day: (rows, count) for day, rows, count in books.iter_rows()}


def history(
    counts: dict[date, int],
    day: date,
    first_day: date,
    settings: DeliveryCheckSettings = SETTINGS,
    excluded: frozenset[date] = frozenset(),
) -> tuple[list[int], str]:
    """The counts `day` is compared with, and what they are.

    Days in the window since the source's first delivery count, with 0 rows for
    a day it did not deliver (a missing delivery is part of its range); days
    already judged anomalous are `excluded`, so one broken day does not widen
    the range that judges the next.
    """
    start = max(first_day, day - timedelta(days=settings.window_days))
    window = [start + timedelta(days=i) for i in range((day - start).days)]
    window = [d for d in window if d not in excluded]
    same_weekday = [d for d in window if d.weekday() == day.weekday()]
    if len(same_weekday) >= settings.min_same_weekday:
        return [counts.get(d, 0) for d in same_weekday], f"{len(same_weekday)} earlier {day.strftime('%A')}s"
    same_kind = [d for d in window if is_rest_day(d, settings) == is_rest_day(day, settings)]
    kind = "rest days" if is_rest_day(day, settings) else "workdays"
    if len(same_kind) >= settings.min_same_kind:
        return [counts.get(d, 0) for d in same_kind], f"{len(same_kind)} earlier {kind}"
    return [], f"too little history ({len(same_weekday)} earlier {day.strftime('%A')}s, {len(same_kind)} {kind})"


def judge_day(
    day: date,
    delivered: dict[date, tuple[int, int]],
    settings: DeliveryCheckSettings = SETTINGS,
    excluded: frozenset[date] = frozenset(),
) -> VolumeVerdict:
    """A z-score of the day's rows against its history (less the `excluded` days), with a floor on the spread.

    The spread is at least the square root of the mean (the noise of a count)
    and at least one row, so a perfectly steady history does not make every
    small change infinitely surprising.
    """
    rows, files = delivered.get(day, (0, 0))
    counts = {d: n for d, (n, _) in delivered.items()}
    earlier = [d for d in counts if d < day]
    if not earlier:
        return VolumeVerdict(day, rows, files, basis="no earlier delivery")
    points, basis = history(counts, day, min(earlier), settings, excluded)
    if not points:
        return VolumeVerdict(day, rows, files, basis=basis)
    expected = statistics.fmean(points)
    sample_spread = statistics.stdev(points) if len(points) > 1 else 0.0
    spread = max(sample_spread, math.sqrt(expected), 1.0)
    z = (rows - expected) / spread
    far = abs(rows - expected) >= settings.min_relative_change * max(expected, 1.0)
    side = {"both": abs(z), "drop": -z, "spike": z}[settings.direction]
    return VolumeVerdict(day, rows, files, expected, spread, z, basis, side >= settings.z_cutoff and far)


def volume_verdicts(lake: Path, source: str, days: list[date], settings: DeliveryCheckSettings = SETTINGS) -> list[VolumeVerdict]:
    """The verdict for each of `days` (a run's delivery days) on `source`."""
    return judge_days(daily_rows(lake, source), days, settings)


def judge_days(
    delivered: dict[date, tuple[int, int]], days: list[date], settings: DeliveryCheckSettings = SETTINGS
) -> list[VolumeVerdict]:
    """The verdicts on `days` (see judge_history)."""
    if not days:
        return []
    verdicts = judge_history(delivered, min(days), max(days), settings)
    return [verdicts[day] for day in days]


def judge_history(
    delivered: dict[date, tuple[int, int]], since: date, until: date, settings: DeliveryCheckSettings = SETTINGS
) -> dict[date, VolumeVerdict]:
    """Every day from the first delivery (or `since`, if earlier) to `until`, judged in order,
    earlier anomalies left out of later histories."""
    first = min([*delivered, since])
    anomalous: set[date] = set()
    verdicts = {}
    for offset in range((until - first).days + 1):
        day = first + timedelta(days=offset)
        verdict = judge_day(day, delivered, settings, frozenset(anomalous))
        if verdict.anomaly:
            anomalous.add(day)
        verdicts[day] = verdict
    return verdicts


def summary_line(findings: list[str], settings: DeliveryCheckSettings = SETTINGS) -> str:
    """The first findings, and how many more: one line for the run summary."""
    shown = "; ".join(findings[: settings.max_listed])
    more = len(findings) - settings.max_listed
    return f"{shown}; and {more} more" if more > 0 else shown
