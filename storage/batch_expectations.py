"""Great Expectations suites on the lake's batches, and their validation (no Dagster here).

GX 1.x runs here through its pandas datasource: its SQL datasource over DuckDB
(duckdb-engine) fails every expectation with `MetricResolutionError: list index
out of range` (seen with duckdb 1.5 and 2.0), and GX has no Polars backend. A
batch is what one run loaded for a source: the lake files of its partitions.
The Dagster asset checks that run these are in orchestration/checks/expectations.py;
storage/gx_process.py runs them in a process of its own.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import polars as pl

from sources.contract import EVENT_SPECS, SourceSpec
from storage.lake import lake_schema

# What GX checks is what the lake batch itself must hold, whoever wrote it: the
# exact column set, unique provenance (_file, _row), and timestamps inside the
# plausible window of each row's own delivery day (one setting, sources/contract.py:
# 366 days before / 2 days after; `window` below, as (days before, days after)).
# The validator quarantines an event whose own time lies outside it; the window
# expectation also covers logout_at / closed_at.


def _checked_timestamps(spec: SourceSpec) -> list[str]:
    # opened_at / first_reply_at of a long-open case may be far before delivery.
    # Beyond the event's own time (quarantined when outside the window) this
    # also warns about a logout_at / closed_at outside it.
    return [c.name for c in spec.columns if c.kind == "timestamp" and c.name not in ("opened_at", "first_reply_at")]


def _days_from_delivery(column: str) -> str:
    return f"{column}__days_from_delivery"


def _with_delivery_offsets(spec: SourceSpec, batch: pl.DataFrame) -> pl.DataFrame:
    """Each checked timestamp's distance in days from its own row's delivery day."""
    delivered = pl.col("_dt").cast(pl.Datetime("us"))
    return batch.with_columns(
        ((pl.col(name) - delivered).dt.total_seconds() / 86400).alias(_days_from_delivery(name))
        for name in _checked_timestamps(spec)
    )


def import_gx():
    """great_expectations and its expectations, imported so that pyspark cannot end the process.

    GX imports pyspark where it is installed (the `spark` extra), and pyspark's Spark Connect
    client calls sys.exit(0) on import in a process whose __main__ has no file, which it takes
    for a doctest run, unless every package Spark Connect needs is installed
    (here google.rpc, of googleapis-common-protos, is not). Every step process of `dagster dev`
    (multiprocessing's spawn) is such a process: the batch checks failed there with
    `SystemExit: 0`. fingertip validates pandas batches, so GX goes without Spark Connect, which
    is importable again afterwards."""
    blocked = "pyspark.sql.connect" not in sys.modules
    if blocked:
        sys.modules["pyspark.sql.connect"] = None  # its import raises ImportError, which GX expects
    try:
        import great_expectations as gx
        import great_expectations.expectations as gxe
    finally:
        if blocked and sys.modules.get("pyspark.sql.connect", False) is None:
            del sys.modules["pyspark.sql.connect"]
    return gx, gxe


def _suite(spec: SourceSpec, window: tuple[int, int]):
    """The source's expectations. GX is imported here, when a check runs: importing it costs
    about 4-5 s, which every `fingertip run` and `dagster dev` would pay at start otherwise."""
    gx, gxe = import_gx()

    suite = gx.ExpectationSuite(name=f"{spec.name}_batch")
    derived = [_days_from_delivery(name) for name in _checked_timestamps(spec)]
    suite.add_expectation(gxe.ExpectTableColumnsToMatchSet(column_set=[*lake_schema(spec), *derived], exact_match=True))
    # No not-null or in-set expectations: the validator (sources/validation.py) already
    # quarantines such rows before they reach the lake, and dbt's tests check the
    # same domains on the warehouse; a third copy could only fail on a validator bug.
    before, after = window
    for name in derived:
        # The delivery day runs to its midnight: "2 days after" ends 3 days after its start.
        suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column=name, min_value=-before, max_value=after + 1))
    suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=["_file", "_row"]))
    return suite


def suite_version(window: tuple[int, int]) -> str:
    """What a pass of the suites depends on besides the data: this module, the window, GX's version."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"{window} {version('great_expectations')}".encode())
    return digest.hexdigest()


def validate_batch(spec: SourceSpec, batch: pl.DataFrame, window: tuple[int, int]) -> dict:
    """Run the source's suite on one batch; returns the number of expectations, the failures, success."""
    gx, _ = import_gx()

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}  # no progress bars in run logs
    asset = context.data_sources.add_pandas(f"lake_{spec.name}").add_dataframe_asset(name=spec.name)
    batch_definition = asset.add_batch_definition_whole_dataframe("loaded_batch")
    frame = _with_delivery_offsets(spec, batch)
    # The suite reads the values of the provenance and offset columns only; every other
    # column it checks by name (the exact column set), so those go to pandas as nulls.
    # Converting millions of text values into Python objects was most of the check's
    # time and memory (20,000 cadres: app_logins' 5 M rows).
    read = {"_file", "_row", *(_days_from_delivery(name) for name in _checked_timestamps(spec))}
    frame = frame.with_columns(
        pl.col("_file").cast(pl.Categorical), *(pl.lit(None).alias(c) for c in frame.columns if c not in read)
    ).to_pandas()
    batch, suite = batch_definition.get_batch(batch_parameters={"dataframe": frame}), _suite(spec, window)
    # Pass or fail first: GX's default result format also counts and lists the unexpected values of
    # every expectation, a third of the check's time on 5 M rows (4.8 -> 3.2 s). Only a batch
    # that fails, which is rare, is validated again for the counts its failures report.
    result = batch.validate(suite, result_format="BOOLEAN_ONLY")
    if not result.success:
        result = batch.validate(suite, result_format="BASIC")
    failures = []
    for outcome in result.results:
        if not outcome.success:
            config = outcome.expectation_config
            column = config.kwargs.get("column") or config.kwargs.get("column_list") or ""
            unexpected = (outcome.result or {}).get("unexpected_count")
            failures.append(f"{config.type}({column}): unexpected {unexpected}")
    return {"evaluated": len(result.results), "failures": failures, "success": bool(result.success)}


def validate_files(source: str, files: Sequence[str], window: tuple[int, int]) -> dict:
    """One source's lake files read as one batch and validated: GX's outcome and the batch's rows.

    Only the values the suite reads (provenance, delivery day, checked timestamps) are read from
    files whose columns are alike; the others are there by name, as validate_batch hands them to
    GX (reading 20,000 cadres' text values only to drop them was a part of the check's time)."""
    spec = EVENT_SPECS[source]
    schemas = [pl.read_parquet_schema(file) for file in files]
    values = ["_file", "_row", "_dt", *_checked_timestamps(spec)]
    if schemas and all(schema == schemas[0] for schema in schemas) and set(values) <= set(schemas[0]):
        batch = pl.concat([pl.read_parquet(file, columns=values) for file in files]).select(
            pl.col(name) if name in values else pl.lit(None).alias(name) for name in schemas[0]
        )
    else:  # files unlike each other: read whole, as any reader of the lake would
        batch = pl.concat([pl.read_parquet(file) for file in files], how="vertical_relaxed")
    return {**validate_batch(spec, batch, window), "rows": batch.height}
