"""Ingest assets: landing files -> validated Parquet in the lake.

One asset per reference table (unpartitioned: full snapshots) and one per
event source (partitioned by delivery day). Each partition rewrites exactly
its own lake folder, so re-running a day replaces it instead of adding to it.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    asset,
    multi_asset,
)

from orchestration.checks.expectations import send_ahead
from orchestration.partitions import delivery_day
from orchestration.resources import GxProcess, LakePaths
from orchestration.settings import SettingError, clear_empty_days, plausible_window_days
from sources.contract import EVENT_SPECS, REFERENCE_TABLES
from sources.landing import delivery_files
from storage.lake import ensure_schema_files, load_delivery_day, load_reference, reference_ids, reference_problem

INGEST_GROUP = "ingest"
# Delivery days validated at once. Polars works in parallel within a day, but a day's few small
# files leave cores idle; 20,000 cadres x 62 days on 2 cores, cases: 8.6 s one day at a time, 6.0 s
# two, 5.4 s three (docs/benchmarks.md). Capped so memory stays a few days' worth on big machines.
DAYS_AT_ONCE = min((os.cpu_count() or 1) + 1, 4)


def quarantine_rows(lake: Path, source: str, keys: list[str] | None = None) -> int:
    """Rows in ops.quarantine for `source` (one per invalid row or rejected file), for the
    delivery days (or reference tables) in `keys`, or for all of them when `keys` is None."""
    folder = lake / "_quarantine" / source
    files = sorted(folder.glob("*.parquet")) if keys is None else [folder / f"{key}.parquet" for key in keys]
    files = [f for f in files if f.exists()]
    return pl.scan_parquet(files).select(pl.len()).collect().item() if files else 0


@multi_asset(
    specs=[
        AssetSpec(
            table, group_name=INGEST_GROUP, kinds={"polars", "parquet"}, description=f"reference/{table} snapshot, validated"
        )
        for table in REFERENCE_TABLES
    ],
    can_subset=False,
)
def reference_tables(context: AssetExecutionContext, paths: LakePaths):
    """The four reference snapshots; each delivery replaces them whole."""
    ensure_schema_files(paths.lake_dir)
    summaries = load_reference(paths.landing_dir, paths.lake_dir)
    for table, summary in summaries.items():
        for problem in [*summary.rejected, *summary.warnings]:
            context.log.warning(problem)
        metadata = {
            **summary.as_metadata(),
            "unchanged": summary.unchanged,
            "quarantine/rows": quarantine_rows(paths.lake_dir, "reference", [table]),
        }
        if summary.warnings:
            metadata["warnings"] = "\n".join(summary.warnings)
        yield MaterializeResult(asset_key=AssetKey(table), metadata=metadata)


def _event_asset(source: str):
    spec = EVENT_SPECS[source]
    needed = sorted({c.references for c in spec.columns if c.references})

    @asset(
        name=source,
        group_name=INGEST_GROUP,
        partitions_def=delivery_day,
        # A range of days runs as one run, not one run per day.
        backfill_policy=BackfillPolicy.single_run(),
        deps=[AssetKey(t) for t in needed],
        kinds={"polars", "parquet"},
        description=f"{source} deliveries, validated: valid rows to lake/{source}/dt=*/, invalid rows to quarantine.",
    )
    def _ingest(context: AssetExecutionContext, paths: LakePaths, gx: GxProcess) -> MaterializeResult:
        ensure_schema_files(paths.lake_dir)
        try:
            window, clear_empty = plausible_window_days(), clear_empty_days()
        except SettingError as exc:
            raise Failure(str(exc)) from None
        known = reference_ids(paths.lake_dir)
        delivered = any(delivery_files(paths.landing_dir, source, dt) for dt in context.partition_keys)
        # No snapshot at all (never a good one): every row would be quarantined
        # as unknown, so say why instead. An empty snapshot (header only, e.g. a
        # period without campaigns) is valid: rows pointing into it are quarantined.
        missing = [(t, reference_problem(paths.lake_dir, t)) for t in needed]
        missing = [(t, problem) for t, problem in missing if problem]
        if missing and delivered:
            table, problem = missing[0]
            raise Failure(
                f"{problem}; there is no earlier good snapshot, so no {source} row can be "
                f"checked: deliver a valid reference/{table}.csv and re-run."
            )
        warnings = [
            f"reference/{t} has no rows: every {source} row pointing into it is quarantined"
            for t in needed
            if known[t].len() == 0 and delivered
        ]
        totals = {"files": 0, "rows_read": 0, "rows_valid": 0, "rows_quarantined": 0, "files_rejected": 0, "files_skipped": 0}

        def load(dt: str):
            return load_delivery_day(paths.landing_dir, paths.lake_dir, source, dt, known, window, clear_empty)

        # Each day rewrites only its own lake folder and books, so days load side by side. map keeps
        # the days' order for the log; an error of one day (a full disk) still fails the step.
        with ThreadPoolExecutor(DAYS_AT_ONCE) as pool:
            summaries = list(pool.map(load, context.partition_keys))
        for summary in summaries:
            for problem in summary.rejected:
                context.log.warning(f"rejected {problem}")
            warnings.extend(summary.warnings)
            for key, value in summary.as_metadata().items():
                totals[key] += value
        for warning in warnings:
            context.log.warning(warning)
        metadata = {
            **totals,
            "days": len(context.partition_keys),
            # Days whose delivery did not change since their last load: not read again (the counts are that load's).
            "days_unchanged": sum(summary.unchanged for summary in summaries),
            # What the UI plots per source across runs: this run's days, and the lake's total.
            "quarantine/rows": quarantine_rows(paths.lake_dir, source, list(context.partition_keys)),
            "quarantine/rows_all_days": quarantine_rows(paths.lake_dir, source),
        }
        if warnings:
            metadata["warnings"] = "\n".join(warnings[:100]) + (
                f"\n... and {len(warnings) - 100} more" if len(warnings) > 100 else ""
            )
        # GX validates this batch while the next source loads; the batch check reads its verdict.
        send_ahead(context, paths.lake_dir, source)
        return MaterializeResult(metadata=metadata)

    return _ingest


event_assets = [_event_asset(source) for source in EVENT_SPECS]
