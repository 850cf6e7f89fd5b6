"""The inspection report, rebuilt after each build from the analysts' copy, unless nothing it
reads changed since the build that wrote it."""

import hashlib
import json
from importlib import metadata
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration import incremental
from orchestration.resources import Warehouse
from orchestration.settings import DUCKDB_POOL, PROJECT_ROOT
from storage.publish import MARTS

# Beside the pages: what the build that wrote them made them from, and the files as it left them.
MADE_FROM_FILE = ".made-from.json"
REPORT_CODE = PROJECT_ROOT / "inspection" / "report"


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
    made_from = _made_from(warehouse)
    kept = _kept_report(out, made_from)
    if kept is not None:
        context.log.info(f"the report in {out} is the last build's: nothing it reads changed since")
        return MaterializeResult(metadata={**_metadata(kept), "rewritten": False})
    from inspection.report import render_report  # Altair and the pages: only when a report is written

    (out / MADE_FROM_FILE).unlink(missing_ok=True)
    written = render_report(Path(warehouse.published), out, warehouse=Path(warehouse.database))
    context.log.info(f"wrote the report ({written['pages']} pages) to {out}")
    if made_from is not None:
        _record_made_from(out, made_from, written)
    return MaterializeResult(metadata={**_metadata(written), "rewritten": True})


def _metadata(written: dict) -> dict:
    return {
        "path": MetadataValue.path(written["index"]),
        "pages": written["pages"],
        "units": written["units"],
        "flags": written["flags"],
    }


def _made_from(warehouse: Warehouse) -> dict | None:
    """What a report written now is made from: the state the last dbt build recorded (its project and
    everything it read, orchestration/incremental.py), the report's code and libraries, and whether
    this build's dbt step found nothing changed (then the marts are as that build left them).
    None when the warehouse records no such state (Spark; a test that warned; no build yet)."""
    if warehouse.engine != "duckdb" or not Path(warehouse.database).exists():
        return None
    try:
        with warehouse.read_only() as con:
            recorded = incremental.recorded_state(con)
            # The pages name who gave each verdict, read from the warehouse: a verdict given since
            # the last dbt build (a report materialized alone in the UI) writes them again.
            verdicts = incremental.ops_inputs_state(con)
    except duckdb.Error:
        return None
    if not recorded or not recorded.get(incremental.INPUTS_ITEM):
        return None
    code = hashlib.sha256()
    for file in sorted(REPORT_CODE.glob("*.py")):
        code.update(file.name.encode() + b"\0" + file.read_bytes())
    for library in ("altair", "vl-convert-python"):
        code.update(f"\0{library} {metadata.version(library)}".encode())
    return {
        "dbt project": recorded.get(incremental.PROJECT_ITEM),
        "dbt inputs": recorded[incremental.INPUTS_ITEM],
        "report code": code.hexdigest(),
        "published copy": Path(warehouse.published).name,
        "verdicts": verdicts,
        "dbt not run": recorded.get(incremental.LAST_BUILD_ITEM) == incremental.NOT_RUN,
    }


def _what_it_reads(made_from: dict) -> dict:
    """made_from without whether this build's dbt step ran: what the pages show depends on the rest."""
    return {key: value for key, value in made_from.items() if key != "dbt not run"}


def _kept_report(out: Path, made_from: dict | None) -> dict | None:
    """The last build's report (what it wrote), if this build would write the same: its dbt step was
    not run, the state and code are those the report was made from, and its files are as it left
    them (a report written there by hand, or a page removed, is written again)."""
    if made_from is None or not made_from["dbt not run"]:
        return None
    try:
        recorded = json.loads((out / MADE_FROM_FILE).read_text())
        unchanged = all((out / name).stat().st_mtime_ns == mtime for name, mtime in recorded["files"].items())
    except (OSError, ValueError, KeyError, AttributeError):
        return None
    same = _what_it_reads(made_from) == recorded["made from"]
    return {**recorded["written"], "index": str(out / "index.html")} if same and unchanged else None


def _record_made_from(out: Path, made_from: dict, written: dict) -> None:
    files = {path.name: path.stat().st_mtime_ns for path in out.glob("*.html")}
    record = {
        "made from": _what_it_reads(made_from),
        "files": files,
        "written": {key: value for key, value in written.items() if key != "index"},
    }
    tmp = out / f"{MADE_FROM_FILE}.tmp"
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(out / MADE_FROM_FILE)
