"""The analysts' copy as a Dagster asset (the copying is storage/publish.py)."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

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
    counts = warehouse.publish()
    context.log.info(f"published {sum(counts.values())} rows to {warehouse.published}")
    return MaterializeResult(metadata={"path": warehouse.published, **{f"rows_{k}": v for k, v in counts.items()}})
