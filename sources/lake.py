"""Writing validated landing data to the lake, one folder per source and day.

Lake layout (what dbt reads as sources):

    LAKE/<source>/dt=YYYY-MM-DD/data.parquet   valid rows of that delivery day
    LAKE/reference/<table>.parquet             valid rows of the latest snapshot
    LAKE/_audit/<source>/<dt or table>.parquet one row per landing file
    LAKE/_quarantine/<source>/<dt or table>.parquet  one row per invalid row/file
    LAKE/**/_schema.parquet                    empty, typed: keeps globs readable

Loading a day deletes and rewrites exactly that day's files, which is what
makes re-runs idempotent.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl

from sources.contract import EVENT_SPECS, REFERENCE_SPECS, VERBATIM_COLUMNS, SourceSpec
from sources.landing import LandingFile, UnreadableFile, delivery_files, read_text_frame, reference_file
from sources.validation import MissingColumns, validate

AUDIT_SCHEMA = {
    "source": pl.String,
    "file_path": pl.String,
    "dt": pl.Date,
    "rows_read": pl.Int64,
    "rows_valid": pl.Int64,
    "rows_quarantined": pl.Int64,
    "status": pl.String,
    "error": pl.String,
    "loaded_at": pl.Datetime("us"),
}
QUARANTINE_SCHEMA = {
    "source": pl.String,
    "file_path": pl.String,
    "dt": pl.Date,
    "row_number": pl.Int64,
    "reason": pl.String,
    "raw": pl.String,
    "quarantined_at": pl.Datetime("us"),
}
POLARS_TYPES = {
    "timestamp": pl.Datetime("us"),
    "date": pl.Date,
    "number": pl.Float64,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
    "integer": pl.Int64,
    "boolean": pl.Boolean,
}


@dataclass
class LoadSummary:
    source: str
    files: int = 0
    rows_read: int = 0
    rows_valid: int = 0
    rows_quarantined: int = 0
    files_rejected: int = 0
    rejected: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict:
        return {
            "files": self.files,
            "rows_read": self.rows_read,
            "rows_valid": self.rows_valid,
            "rows_quarantined": self.rows_quarantined,
            "files_rejected": self.files_rejected,
        }


def lake_schema(spec: SourceSpec) -> dict[str, pl.DataType]:
    schema = {c.name: POLARS_TYPES.get(c.kind, pl.String) for c in spec.columns}
    schema.update({f"{name}_text": pl.String for name in VERBATIM_COLUMNS.get(spec.name, ())})
    schema.update({"_file": pl.String, "_row": pl.Int64, "_dt": pl.Date})
    return schema


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _write(frame: pl.DataFrame, path: Path) -> None:
    """Write via a temporary name and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    frame.write_parquet(tmp)
    tmp.replace(path)


def ensure_schema_files(lake: Path) -> None:
    """Empty typed files so that dbt's globs read even before any data arrived."""
    for spec in [*EVENT_SPECS.values(), *REFERENCE_SPECS.values()]:
        folder = lake / ("reference" if spec.name in REFERENCE_SPECS else spec.name)
        name = f"_schema_{spec.name}.parquet" if spec.name in REFERENCE_SPECS else "_schema.parquet"
        target = folder / name
        if not target.exists():
            _write(pl.DataFrame(schema=lake_schema(spec)), target)
    for kind, schema in (("_audit", AUDIT_SCHEMA), ("_quarantine", QUARANTINE_SCHEMA)):
        target = lake / kind / "_schema.parquet"
        if not target.exists():
            _write(pl.DataFrame(schema=schema), target)


def _load_file(
    file: LandingFile, spec: SourceSpec, known_ids: dict, loaded_at: datetime
) -> tuple[pl.DataFrame | None, dict, pl.DataFrame]:
    """One file: its valid rows, its audit row, its quarantine rows."""
    audit = {"source": file.source, "file_path": file.relative_path, "dt": file.dt, "loaded_at": loaded_at}
    try:
        frame = read_text_frame(file.path)
        checked = validate(frame, spec, file.relative_path, known_ids)
    except (UnreadableFile, MissingColumns) as exc:
        rows = frame.height if isinstance(exc, MissingColumns) else None
        audit.update(rows_read=rows, rows_valid=0, rows_quarantined=rows, status="rejected", error=str(exc))
        quarantine = pl.DataFrame(
            [{"file_path": file.relative_path, "row_number": None, "reason": f"file rejected: {exc}", "raw": None}],
            schema={"file_path": pl.String, "row_number": pl.Int64, "reason": pl.String, "raw": pl.String},
        )
        return None, audit, quarantine
    audit.update(
        rows_read=frame.height,
        rows_valid=checked.valid.height,
        rows_quarantined=checked.quarantine.height,
        status="loaded",
        error=None,
    )
    return checked.valid, audit, checked.quarantine


def _finish_quarantine(parts: list[pl.DataFrame], source: str, dt: date | None, at: datetime) -> pl.DataFrame:
    frames = [p for p in parts if p.height]
    if not frames:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return (
        pl.concat(frames)
        .with_columns(pl.lit(source).alias("source"), pl.lit(dt, pl.Date).alias("dt"), pl.lit(at).alias("quarantined_at"))
        .select(list(QUARANTINE_SCHEMA))
        .cast(QUARANTINE_SCHEMA)
    )


def load_delivery_day(landing: Path, lake: Path, source: str, dt: str, known_ids: dict) -> LoadSummary:
    """Validate every file of one source's delivery day and rewrite that day in the lake."""
    spec = EVENT_SPECS[source]
    loaded_at = _now()
    summary = LoadSummary(source)
    if not (landing / source / f"dt={dt}").is_dir():
        # No delivery of this source that day (or it has left the landing folder):
        # the lake keeps what it has; only a delivered day is rewritten.
        return summary
    valid_parts, audits, quarantines = [], [], []
    for file in delivery_files(landing, source, dt):
        valid, audit, quarantine = _load_file(file, spec, known_ids, loaded_at)
        audits.append(audit)
        quarantines.append(quarantine)
        if valid is not None and valid.height:
            valid_parts.append(valid)
        _count(summary, audit)

    day_folder = lake / source / f"dt={dt}"
    shutil.rmtree(day_folder, ignore_errors=True)
    if valid_parts:
        day = date.fromisoformat(dt)
        data = pl.concat(valid_parts).with_columns(pl.lit(day, pl.Date).alias("_dt"))
        _write(data.select(list(lake_schema(spec))).cast(lake_schema(spec)), day_folder / "data.parquet")
    _replace_books(lake, source, dt, audits, _finish_quarantine(quarantines, source, date.fromisoformat(dt), loaded_at))
    return summary


def load_reference(landing: Path, lake: Path) -> dict[str, LoadSummary]:
    """Validate the reference snapshots; each replaces the previous one whole."""
    loaded_at = _now()
    summaries = {}
    for table, spec in REFERENCE_SPECS.items():
        summary = LoadSummary("reference")
        file = reference_file(landing, table)
        target = lake / "reference" / f"{table}.parquet"
        audits, quarantines = [], []
        valid = None
        if file is None:
            summary.rejected.append(f"reference/{table}.csv is missing")
        else:
            valid, audit, quarantine = _load_file(file, spec, {}, loaded_at)
            audits.append(audit)
            quarantines.append(quarantine)
            _count(summary, audit)
        if valid is not None:
            valid = valid.with_columns(pl.lit(None, pl.Date).alias("_dt"))
            _write(valid.select(list(lake_schema(spec))).cast(lake_schema(spec)), target)
        else:
            target.unlink(missing_ok=True)
        _replace_books(lake, "reference", table, audits, _finish_quarantine(quarantines, "reference", None, loaded_at))
        summaries[table] = summary
    return summaries


def reference_ids(lake: Path) -> dict[str, pl.Series]:
    """Valid ids of each reference table, as loaded into the lake."""
    ids = {}
    for table, spec in REFERENCE_SPECS.items():
        path = lake / "reference" / f"{table}.parquet"
        if path.exists():
            ids[table] = pl.read_parquet(path, columns=[spec.id_column])[spec.id_column].drop_nulls().unique()
        else:
            ids[table] = pl.Series([], dtype=pl.String)
    return ids


def _count(summary: LoadSummary, audit: dict) -> None:
    summary.files += 1
    summary.rows_read += audit["rows_read"] or 0
    summary.rows_valid += audit["rows_valid"] or 0
    summary.rows_quarantined += audit["rows_quarantined"] or 0
    if audit["status"] == "rejected":
        summary.files_rejected += 1
        summary.rejected.append(f"{audit['file_path']}: {audit['error']}")


def _replace_books(lake: Path, source: str, key: str, audits: list[dict], quarantine: pl.DataFrame) -> None:
    audit_path = lake / "_audit" / source / f"{key}.parquet"
    quarantine_path = lake / "_quarantine" / source / f"{key}.parquet"
    if audits:
        _write(pl.DataFrame(audits, schema=AUDIT_SCHEMA), audit_path)
    else:
        audit_path.unlink(missing_ok=True)
    if quarantine.height:
        _write(quarantine, quarantine_path)
    else:
        quarantine_path.unlink(missing_ok=True)
