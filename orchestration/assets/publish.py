"""The analysts' copy as a Dagster asset (the copying is storage/publish.py)."""

from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from orchestration.resources import LakePaths
from orchestration.settings import DUCKDB_POOL
from storage.publish import MARTS, publish_marts


@asset(
    key=AssetKey(["analytics_copy"]),
    deps=[AssetKey(["marts", m]) for m in MARTS],
    group_name="publish",
    kinds={"duckdb"},
    pool=DUCKDB_POOL,
    description="Read-only copy of marts.* for analysts (default data/analytics.duckdb), without raw personal data.",
)
def analytics_copy(context: AssetExecutionContext, paths: LakePaths) -> MaterializeResult:
    target = Path(paths.publish)
    counts = publish_marts(Path(paths.warehouse), target)
    context.log.info(f"published {sum(counts.values())} rows to {target}")
    return MaterializeResult(metadata={"path": str(target), **{f"rows_{k}": v for k, v in counts.items()}})
