"""The analysts' copy as a Dagster asset (the copying is storage/publish.py)."""

from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, asset

from orchestration.resources import Warehouse
from orchestration.settings import DUCKDB_POOL
from storage.publish import MARTS


@asset(
    key=AssetKey(["analytics_copy"]),
    deps=[AssetKey(["marts", m]) for m in MARTS],
    group_name="publish",
    kinds={"duckdb"},
    pool=DUCKDB_POOL,
    description="Read-only copy of marts.* for analysts (default data/analytics.duckdb), without raw personal data.",
)
def analytics_copy(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    if not Path(warehouse.database).exists():  # the copy picked alone in the UI before any build
        raise Failure(f"the warehouse {warehouse.database} does not exist: build it first (`fingertip run`, or the whole job)")
    counts = warehouse.publish()
    context.log.info(f"published {sum(counts.values())} rows to {warehouse.published}")
    return MaterializeResult(metadata={"path": warehouse.published, **{f"rows_{k}": v for k, v in counts.items()}})
