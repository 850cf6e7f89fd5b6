"""Inspectors' verdicts dropped as CSV files, recorded in ops.flag_reviews before the warehouse is rebuilt.

The table is dbt's source `ops.flag_reviews` (marts.padding_flags reads each
flag's latest verdict from it), so this asset runs before the dbt models.
"""

from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from inspection.reviews import REVIEWS_TABLE, import_inbox
from orchestration.resources import LakePaths, Warehouse
from orchestration.settings import DUCKDB_POOL


@asset(
    key=AssetKey(["flag_reviews"]),
    group_name="reviews",
    kinds={"duckdb", "csv"},
    pool=DUCKDB_POOL,
    description=(
        f"Records the verdicts of each CSV in the reviews inbox (FINGERTIP_REVIEWS_INBOX) in {REVIEWS_TABLE}, "
        "a whole file or nothing of it; applied files move to applied/, rejected ones to rejected/ with the reasons."
    ),
)
def flag_reviews(context: AssetExecutionContext, paths: LakePaths, warehouse: Warehouse) -> MaterializeResult:
    inbox = Path(paths.reviews_inbox)
    Path(warehouse.database).parent.mkdir(parents=True, exist_ok=True)
    with warehouse.get_connection() as con:
        result = import_inbox(con, Path(warehouse.database), inbox)
        total = con.execute(f"select count(*) from {REVIEWS_TABLE}").fetchone()[0]
    for name, problems in result.rejected.items():
        context.log.warning(
            f"verdicts file {name} rejected, nothing of it recorded: {problems[0]}"
            + (f" (and {len(problems) - 1} more in rejected/{name}.errors.txt)" if len(problems) > 1 else "")
        )
    if result.waiting:
        context.log.info(f"{len(result.waiting)} verdicts file(s) wait for the first build's flags: {', '.join(result.waiting)}")
    return MaterializeResult(
        metadata={
            "inbox": MetadataValue.path(str(inbox)),
            "files_applied": len(result.applied),
            "verdicts_recorded": result.verdicts,
            "files_rejected": len(result.rejected),
            "verdicts_in_table": total,
        }
    )
