# Longer than 400 lines: the lake's whole write path (day, reference snapshot, audit and quarantine books) in one module, so its idempotence reads in one place.
"""Writing validated landing data to the lake, one folder per source and day.

Lake layout (what dbt reads as sources):

    LAKE/<source>/dt=YYYY-MM-DD/data.parquet   valid rows of that delivery day
    LAKE/reference/<table>.parquet             valid rows of the latest snapshot
    LAKE/_audit/<source>/<dt or table>.parquet one row per landing file
    LAKE/_quarantine/<source>/<dt or table>.parquet  one row per invalid row/file
    LAKE/<source>/schema.parquet, LAKE/reference/schema_<table>.parquet,
    LAKE/_audit/schema.parquet, LAKE/_quarantine/schema.parquet
                                               empty, typed: keep globs readable
                                               before any data arrived

The placeholders' names do not start with `_` or `.`: Spark (and Hadoop's
readers) skip such files, and both engines must read the lake alike (issue 9).

Loading a day deletes and rewrites exactly that day's files, which is what
makes re-runs idempotent; a day (or snapshot) that has not changed since its
last load is not loaded again (its receipt under LAKE/_loaded/, storage/load_receipts.py). Nothing disappears silently (issue 11): a delivery
folder that yields nothing (empty, only hidden files, every file rejected)
keeps the day's earlier data and books and adds a warning row to the audit,
unless FINGERTIP_CLEAR_EMPTY_DAYS is true; a reference snapshot that is
rejected (or has rows but no valid one) keeps the last good snapshot.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from sources.contract import (
    CLEAR_EMPTY_DAYS_ENV,
    DEFAULT_WINDOW_DAYS_AFTER,
    DEFAULT_WINDOW_DAYS_BEFORE,
    EVENT_SPECS,
    REFERENCE_SPECS,
    VERBATIM_COLUMNS,
    SourceSpec,
)
from sources.landing import LandingFile, UnreadableFile, delivery_files, read_text_frame, reference_file
from sources.validation import FILE_COLUMN, MissingColumns, validate
from storage import load_receipts
from storage.atomic import one_writer, written_whole

# Audit statuses: loaded / rejected (landing contract) and skipped (an
# extension: a hidden file not read, or a delivery folder that yielded nothing).
LOADED, REJECTED, SKIPPED = "loaded", "rejected", "skipped"

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
    files_skipped: int = 0
    rejected: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # kept days, skipped files, kept snapshots
    # Nothing it read changed since the load its receipt records (storage/load_receipts.py): not
    # loaded again; the counts and messages are that load's.
    unchanged: bool = False

    def as_metadata(self) -> dict:
        return {
            "files": self.files,
            "rows_read": self.rows_read,
            "rows_valid": self.rows_valid,
            "rows_quarantined": self.rows_quarantined,
            "files_rejected": self.files_rejected,
            "files_skipped": self.files_skipped,
        }


def lake_schema(spec: SourceSpec) -> dict[str, pl.DataType]:
    schema = {c.name: POLARS_TYPES.get(c.kind, pl.String) for c in spec.columns}
    schema.update({f"{name}_text": pl.String for name in VERBATIM_COLUMNS.get(spec.name, ())})
    schema.update({"_file": pl.String, "_row": pl.Int64, "_dt": pl.Date})
    return schema


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _write(frame: pl.DataFrame, path: Path) -> None:
    with written_whole(path) as tmp:
        frame.write_parquet(tmp)


def ensure_schema_files(lake: Path) -> None:
    """Empty typed files so that dbt's globs read even before any data arrived.

    A lake written before the rename has `_schema*.parquet` (a name Spark skips):
    those are replaced."""
    for spec in [*EVENT_SPECS.values(), *REFERENCE_SPECS.values()]:
        folder = lake / ("reference" if spec.name in REFERENCE_SPECS else spec.name)
        name = f"schema_{spec.name}.parquet" if spec.name in REFERENCE_SPECS else "schema.parquet"
        (folder / f"_{name}").unlink(missing_ok=True)
        target = folder / name
        if not target.exists():
            _write(pl.DataFrame(schema=lake_schema(spec)), target)
    for kind, schema in (("_audit", AUDIT_SCHEMA), ("_quarantine", QUARANTINE_SCHEMA)):
        (lake / kind / "_schema.parquet").unlink(missing_ok=True)
        target = lake / kind / "schema.parquet"
        if not target.exists():
            _write(pl.DataFrame(schema=schema), target)


def _load_file(
    file: LandingFile,
    spec: SourceSpec,
    known_ids: dict,
    loaded_at: datetime,
    window_days: tuple[int, int] | None = None,
) -> tuple[pl.DataFrame | None, dict, pl.DataFrame]:
    """One file: its valid rows, its audit row, its quarantine rows. Never raises
    for anything in the file: whatever goes wrong rejects this file alone."""
    return _load_files([file], spec, known_ids, loaded_at, window_days)[0]


def _load_files(
    files: list[LandingFile],
    spec: SourceSpec,
    known_ids: dict,
    loaded_at: datetime,
    window_days: tuple[int, int] | None = None,
) -> list[tuple[pl.DataFrame | None, dict, pl.DataFrame]]:
    """`_load_file` of each file, in order; the files read with alike columns are validated together.

    A validation's fixed cost (building and planning its expressions) is paid per group of files,
    not per file: a delivery day comes as a few small files, and that cost was half of its
    validation (issue 8). Each row is still validated as in its own file, and a fault no rule
    foresaw still rejects its own file only: the group is then validated again one file at a time.
    """
    outcomes: list = [None] * len(files)
    alike: dict[tuple, list[tuple[int, pl.DataFrame]]] = {}
    for index, file in enumerate(files):
        if file.skipped:
            outcomes[index] = _skipped(file, loaded_at)
            continue
        try:
            frame = read_text_frame(file.path, spec.column_names)
        except MemoryError:
            raise
        except (Exception, pl.exceptions.PanicException) as exc:
            outcomes[index] = _rejected(file, loaded_at, exc, None)
            continue
        alike.setdefault((file.dt, tuple(frame.schema.items())), []).append((index, frame))
    for (dt, _), members in alike.items():
        together = _validate_together(files, members, spec, known_ids, dt, window_days) if len(members) > 1 else None
        for index, frame in members:
            file = files[index]
            if together is None:
                outcomes[index] = _validate_one(file, frame, spec, known_ids, loaded_at, window_days)
            else:
                outcomes[index] = _loaded(file, loaded_at, frame.height, *together[file.relative_path])
    return outcomes


def _validate_together(
    files: list[LandingFile],
    members: list[tuple[int, pl.DataFrame]],
    spec: SourceSpec,
    known_ids: dict,
    dt: date | None,
    window_days: tuple[int, int] | None,
) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]] | None:
    """File path -> its valid rows and quarantine rows (in the order its own validation gives them),
    of files read with the same columns, validated as one frame; None if that fails: which file's
    fault it is, validating them one at a time says."""
    try:
        rows = pl.concat([frame.with_columns(pl.lit(files[i].relative_path).alias(FILE_COLUMN)) for i, frame in members])
        checked = validate(rows, spec, None, known_ids, dt, window_days)
    except MemoryError:
        raise
    except (Exception, pl.exceptions.PanicException):
        return None
    valid = checked.valid.partition_by(FILE_COLUMN, as_dict=True, maintain_order=True)
    quarantine = checked.quarantine.partition_by("file_path", as_dict=True, maintain_order=True)
    paths = [files[i].relative_path for i, _ in members]
    return {
        path: (valid.get((path,), checked.valid.clear()), quarantine.get((path,), checked.quarantine.clear())) for path in paths
    }


def _validate_one(
    file: LandingFile,
    frame: pl.DataFrame,
    spec: SourceSpec,
    known_ids: dict,
    loaded_at: datetime,
    window_days: tuple[int, int] | None,
) -> tuple[pl.DataFrame | None, dict, pl.DataFrame]:
    try:
        checked = validate(frame, spec, file.relative_path, known_ids, file.dt, window_days)
    except MemoryError:
        raise
    except (Exception, pl.exceptions.PanicException) as exc:
        return _rejected(file, loaded_at, exc, frame)
    return _loaded(file, loaded_at, frame.height, checked.valid, checked.quarantine)


def _audit(file: LandingFile, loaded_at: datetime, **outcome) -> dict:
    return {"source": file.source, "file_path": file.relative_path, "dt": file.dt, "loaded_at": loaded_at, **outcome}


_NO_ROWS = {"file_path": pl.String, "row_number": pl.Int64, "reason": pl.String, "raw": pl.String}


def _skipped(file: LandingFile, loaded_at: datetime) -> tuple[None, dict, pl.DataFrame]:
    audit = _audit(file, loaded_at, rows_read=None, rows_valid=0, rows_quarantined=0, status=SKIPPED, error=file.skipped)
    return None, audit, pl.DataFrame(schema=_NO_ROWS)


def _rejected(
    file: LandingFile, loaded_at: datetime, exc: BaseException, frame: pl.DataFrame | None
) -> tuple[None, dict, pl.DataFrame]:
    """The file rejected whole, for `exc`, raised reading it or validating the `frame` read."""
    if isinstance(exc, (UnreadableFile, MissingColumns)):
        reason = str(exc)
    else:  # a fault no rule foresaw: still this file's, named, never the build's
        reason = (
            f"cannot be validated: {type(exc).__name__}: {str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ''}"
        )
    rows = frame.height if frame is not None and not isinstance(exc, UnreadableFile) else None
    audit = _audit(file, loaded_at, rows_read=rows, rows_valid=0, rows_quarantined=rows, status=REJECTED, error=reason)
    quarantine = pl.DataFrame(
        [{"file_path": file.relative_path, "row_number": None, "reason": f"file rejected: {reason}", "raw": None}],
        schema=_NO_ROWS,
    )
    return None, audit, quarantine


def _loaded(
    file: LandingFile, loaded_at: datetime, rows_read: int, valid: pl.DataFrame, quarantine: pl.DataFrame
) -> tuple[pl.DataFrame, dict, pl.DataFrame]:
    audit = _audit(
        file,
        loaded_at,
        rows_read=rows_read,
        rows_valid=valid.height,
        rows_quarantined=quarantine.height,
        status=LOADED,
        error=None,
    )
    return valid, audit, quarantine


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


def load_delivery_day(
    landing: Path,
    lake: Path,
    source: str,
    dt: str,
    known_ids: dict,
    window_days: tuple[int, int] | None = None,
    clear_empty: bool | None = None,
) -> LoadSummary:
    """Validate every file of one source's delivery day and rewrite that day in the lake.

    A present folder that yields no loaded file (empty, hidden files only,
    every file rejected) keeps the day's earlier lake data and books, warns,
    and says so in a `skipped` audit row for the folder; `clear_empty`
    (FINGERTIP_CLEAR_EMPTY_DAYS) clears the day instead. A day whose files, reference ids and
    settings are those of its last load, and whose lake files are as that load left them, is not
    loaded again (storage/load_receipts.py).
    """
    spec = EVENT_SPECS[source]
    loaded_at = _now()
    summary = LoadSummary(source)
    # The callers pass the user's settings (orchestration/settings.py); the contract's defaults otherwise.
    window_days = window_days if window_days is not None else (DEFAULT_WINDOW_DAYS_BEFORE, DEFAULT_WINDOW_DAYS_AFTER)
    clear_empty = bool(clear_empty)
    if not (landing / source / f"dt={dt}").is_dir():
        # No delivery of this source that day (or it has left the landing folder):
        # the lake keeps what it has; only a delivered day is rewritten.
        return summary
    day = date.fromisoformat(dt)
    files = delivery_files(landing, source, dt, include_hidden=True)
    referenced = {c.references for c in spec.columns if c.references}
    inputs = load_receipts.inputs_key(
        [(f.relative_path, f.path) for f in files],
        {table: ids for table, ids in known_ids.items() if table in referenced},
        [window_days, clear_empty],
    )
    # Two runs loading this day at once (`fingertip run` beside a run of `dagster dev`): one at a
    # time, so that the receipt vouches for the files its own load wrote; the second finds it.
    with one_writer(load_receipts.lock_file(lake, source, dt)):
        written = _day_outputs(lake, source, dt)
        recorded = load_receipts.unchanged_summary(lake, source, dt, inputs, written)
        if recorded is not None:
            return LoadSummary(**{**recorded, "unchanged": True})
        load_receipts.discard(lake, source, dt)
        summary = _load_day_files(lake, source, dt, day, files, known_ids, window_days, clear_empty, loaded_at, summary)
        load_receipts.record(lake, source, dt, inputs, written, asdict(summary))
    return summary


def _day_outputs(lake: Path, source: str, dt: str) -> list[Path]:
    """The files a load of one delivery day writes: its lake file and its books."""
    return [
        lake / source / f"dt={dt}" / "data.parquet",
        lake / "_audit" / source / f"{dt}.parquet",
        lake / "_quarantine" / source / f"{dt}.parquet",
    ]


def _load_day_files(
    lake: Path,
    source: str,
    dt: str,
    day: date,
    files: list[LandingFile],
    known_ids: dict,
    window_days: tuple[int, int],
    clear_empty: bool,
    loaded_at: datetime,
    summary: LoadSummary,
) -> LoadSummary:
    """Load one delivery day's files (load_delivery_day, once it knows the day must be loaded)."""
    spec = EVENT_SPECS[source]
    valid_parts, audits, quarantines = [], [], []
    for valid, audit, quarantine in _load_files(files, spec, known_ids, loaded_at, window_days):
        audits.append(audit)
        quarantines.append(quarantine)
        if valid is not None and valid.height:
            valid_parts.append(valid)
        _count(summary, audit)
        if audit["status"] == SKIPPED:
            summary.warnings.append(f"skipped {audit['file_path']}: {audit['error']}")

    day_folder = lake / source / f"dt={dt}"
    data_path = day_folder / "data.parquet"
    yielded_nothing = not any(a["status"] == LOADED for a in audits)
    folder_key = f"{source}/dt={dt}/"
    if yielded_nothing and not clear_empty and data_path.exists():
        kept_rows = pl.scan_parquet(data_path).select(pl.len()).collect().item()
        what = (
            "is empty"
            if not audits
            else ("has only hidden files" if all(a["status"] == SKIPPED for a in audits) else "has no file that could be loaded")
        )
        message = (
            f"{folder_key} {what}: the day's earlier lake data ({kept_rows} rows) is kept; "
            f"set {CLEAR_EMPTY_DAYS_ENV}=true to clear the day instead"
        )
        summary.warnings.append(message)
        _keep_books(lake, source, dt, audits, quarantines, folder_key, message, loaded_at, day)
        return summary
    if yielded_nothing:
        what = "is empty" if not audits else "has no file that could be loaded"
        cleared = " (the day's earlier lake data is cleared)" if data_path.exists() else ""
        message = f"{folder_key} {what}{cleared}"
        summary.warnings.append(message)
        audits.append(_folder_audit(source, folder_key, day, message, loaded_at))

    shutil.rmtree(day_folder, ignore_errors=True)
    if valid_parts:
        data = pl.concat(valid_parts).with_columns(pl.lit(day, pl.Date).alias("_dt"))
        _write(data.select(list(lake_schema(spec))).cast(lake_schema(spec)), data_path)
    _replace_books(lake, source, dt, audits, _finish_quarantine(quarantines, source, day, loaded_at))
    return summary


def _folder_audit(source: str, folder_key: str, day: date | None, message: str, loaded_at: datetime) -> dict:
    return {
        "source": source,
        "file_path": folder_key,
        "dt": day,
        "rows_read": None,
        "rows_valid": 0,
        "rows_quarantined": 0,
        "status": SKIPPED,
        "error": message,
        "loaded_at": loaded_at,
    }


def _keep_books(
    lake: Path,
    source: str,
    key: str,
    audits: list[dict],
    quarantines: list[pl.DataFrame],
    marker_path: str | None,
    message: str,
    loaded_at: datetime,
    day: date | None,
) -> None:
    """Keep the earlier books (they describe the data kept), and add what this
    attempt found: files not in them get their own audit rows; a file that is
    in them and was now rejected gets a quarantine row naming the cause."""
    audit_path = lake / "_audit" / source / f"{key}.parquet"
    quarantine_path = lake / "_quarantine" / source / f"{key}.parquet"
    old_audit = pl.read_parquet(audit_path) if audit_path.exists() else pl.DataFrame(schema=AUDIT_SCHEMA)
    old_quarantine = pl.read_parquet(quarantine_path) if quarantine_path.exists() else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    if marker_path:
        old_audit = old_audit.filter(pl.col("file_path") != marker_path)
    known = set(old_audit["file_path"].to_list())
    new_audits = [a for a in audits if a["file_path"] not in known]
    if marker_path:
        new_audits.append(_folder_audit(source, marker_path, day, message, loaded_at))
    fresh = _finish_quarantine(quarantines, source, day, loaded_at)
    again = fresh.filter(pl.col("file_path").is_in(list(known)) & pl.col("row_number").is_null())
    again = again.with_columns((pl.col("reason") + pl.lit(f" ({message})")).alias("reason"))
    fresh = fresh.filter(~pl.col("file_path").is_in(list(known)))
    audit = pl.concat([old_audit.cast(AUDIT_SCHEMA), pl.DataFrame(new_audits, schema=AUDIT_SCHEMA)])
    quarantine = pl.concat([old_quarantine.select(list(QUARANTINE_SCHEMA)).cast(QUARANTINE_SCHEMA), fresh, again])
    # The same rejection seen on every re-run is one row, not one per run.
    quarantine = quarantine.unique(subset=["file_path", "row_number", "reason"], keep="first", maintain_order=True)
    _write(audit, audit_path)
    if quarantine.height:
        _write(quarantine, quarantine_path)


def load_reference(landing: Path, lake: Path) -> dict[str, LoadSummary]:
    """Validate the reference snapshots; each replaces the previous one whole.

    A snapshot that is rejected, or has rows and not one valid, is not used
    when an earlier good snapshot is in the lake: that one is kept, and the
    cause is a warning and a quarantine row. A header-only snapshot is valid
    and empty (a period without campaigns). An unchanged snapshot is not loaded again
    (storage/load_receipts.py).
    """
    loaded_at = _now()
    summaries = {}
    for table in REFERENCE_SPECS:
        file = reference_file(landing, table)
        inputs = load_receipts.inputs_key([(file.relative_path, file.path)] if file else [], {}, [])
        written = [
            lake / "reference" / f"{table}.parquet",
            *(lake / books / "reference" / f"{table}.parquet" for books in ("_audit", "_quarantine")),
        ]
        recorded = load_receipts.unchanged_summary(lake, "reference", table, inputs, written)
        if recorded is not None:
            summaries[table] = LoadSummary(**{**recorded, "unchanged": True})
            continue
        load_receipts.discard(lake, "reference", table)
        summaries[table] = _load_reference_table(lake, table, file, loaded_at)
        load_receipts.record(lake, "reference", table, inputs, written, asdict(summaries[table]))
    return summaries


def _load_reference_table(lake: Path, table: str, file: LandingFile | None, loaded_at: datetime) -> LoadSummary:
    """Load one reference snapshot (load_reference, once it knows the snapshot must be loaded)."""
    spec = REFERENCE_SPECS[table]
    summary = LoadSummary("reference")
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
        bad = valid is None or (valid.height == 0 and (audit["rows_read"] or 0) > 0)
        if bad and target.exists():
            cause = audit["error"] or f"none of its {audit['rows_read']} rows is valid"
            kept = pl.scan_parquet(target).select(pl.len()).collect().item()
            message = f"the last good snapshot ({kept} rows) is kept"
            summary.warnings.append(f"{file.relative_path} not used ({cause}): {message}")
            if valid is not None:  # readable: say so for the file as a whole too
                quarantines.append(
                    pl.DataFrame(
                        [
                            {
                                "file_path": file.relative_path,
                                "row_number": None,
                                "reason": f"snapshot not used: none of its {audit['rows_read']} rows is valid",
                                "raw": None,
                            }
                        ],
                        schema={"file_path": pl.String, "row_number": pl.Int64, "reason": pl.String, "raw": pl.String},
                    )
                )
            _keep_books(lake, "reference", table, audits, quarantines, None, message, loaded_at, None)
            return summary
    if valid is not None:
        valid = valid.with_columns(pl.lit(None, pl.Date).alias("_dt"))
        _write(valid.select(list(lake_schema(spec))).cast(lake_schema(spec)), target)
    else:
        target.unlink(missing_ok=True)
    _replace_books(lake, "reference", table, audits, _finish_quarantine(quarantines, "reference", None, loaded_at))
    return summary


def reference_problem(lake: Path, table: str) -> str | None:
    """Why reference/<table> has no snapshot in the lake (from its audit), or None if it has one."""
    if (lake / "reference" / f"{table}.parquet").exists():
        return None
    audit_path = lake / "_audit" / "reference" / f"{table}.parquet"
    if audit_path.exists():
        errors = pl.read_parquet(audit_path).filter(pl.col("status") == REJECTED)
        if errors.height:
            return f"{errors['file_path'][0]} was rejected: {errors['error'][0]}"
    return f"reference/{table}.csv has not been loaded"


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
    if audit["status"] == REJECTED:
        summary.files_rejected += 1
        summary.rejected.append(f"{audit['file_path']}: {audit['error']}")
    elif audit["status"] == SKIPPED:
        summary.files_skipped += 1


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
