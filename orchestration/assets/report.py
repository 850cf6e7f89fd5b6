"""The inspection report, rebuilt after each build from the analysts' copy."""

from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from inspection.report import render_report
from orchestration.resources import Warehouse
from orchestration.settings import DUCKDB_POOL
from storage.publish import MARTS


def report_folder(warehouse: Path) -> Path:
    """Where the build writes the report: `report/` beside the warehouse."""
    return warehouse.parent / "report"


@asset(
    key=AssetKey(["inspection_report"]),
    # It reads the published copy, so it follows the copy (and so the marts).
    deps=[AssetKey(["analytics_copy"]), *(AssetKey(["marts", m]) for m in MARTS)],
    group_name="publish",
    kinds={"html"},
    # It reads the flags' evidence from the warehouse (read-only): not while another step writes it.
    pool=DUCKDB_POOL,
    description="Self-contained HTML report (index.html and a printable page per unit) in report/ beside the warehouse.",
)
def inspection_report(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    out = report_folder(Path(warehouse.database))
    written = render_report(Path(warehouse.published), out, warehouse=Path(warehouse.database))
    context.log.info(f"wrote the report ({written['pages']} pages) to {out}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(written["index"]),
            "pages": written["pages"],
            "units": written["units"],
            "flags": written["flags"],
        }
    )
