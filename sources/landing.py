"""Finding and reading landing files with Polars.

Every file is read as text columns (values exactly as delivered) plus a
1-based `_row` number; parsing and validation happen in `validation.py`, so a
bad value becomes a quarantine row instead of a failed read.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from sources.contract import EVENT_FILE_SUFFIXES, EVENT_SOURCES, REFERENCE_TABLES

DT_FOLDER = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")
ROW_COLUMN = "_row"


class UnreadableFile(Exception):
    """The file cannot be read at all: it is rejected whole, with this reason."""


@dataclass(frozen=True)
class LandingFile:
    source: str
    path: Path
    relative_path: str  # relative to the landing root: what the audit shows
    dt: date | None


def file_format(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in sorted(EVENT_FILE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return None


def delivery_days(landing: Path, source: str | None = None) -> list[str]:
    """The `dt=` folders present, as sorted partition keys (YYYY-MM-DD)."""
    days: set[str] = set()
    for src in [source] if source else EVENT_SOURCES:
        folder = landing / src
        if not folder.is_dir():
            continue
        for child in folder.iterdir():
            match = DT_FOLDER.match(child.name)
            if child.is_dir() and match and _is_date(match.group(1)):
                days.add(match.group(1))
    return sorted(days)


def misnamed_folders(landing: Path) -> list[str]:
    """Folders under an event source that are not `dt=YYYY-MM-DD`: never read, so say so."""
    found = []
    for src in EVENT_SOURCES:
        folder = landing / src
        if folder.is_dir():
            for child in sorted(folder.iterdir()):
                match = DT_FOLDER.match(child.name)
                if not (match and _is_date(match.group(1))):
                    found.append(f"{src}/{child.name}")
    return found


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def delivery_files(landing: Path, source: str, dt: str) -> list[LandingFile]:
    folder = landing / source / f"dt={dt}"
    if not folder.is_dir():
        return []
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")]
    return [LandingFile(source, p, p.relative_to(landing).as_posix(), date.fromisoformat(dt)) for p in files]


def reference_file(landing: Path, table: str) -> LandingFile | None:
    """`reference/<table>.csv` (or another contract format of the same name)."""
    assert table in REFERENCE_TABLES
    folder = landing / "reference"
    for suffix in (".csv", *[s for s in EVENT_FILE_SUFFIXES if s != ".csv"]):
        path = folder / f"{table}{suffix}"
        if path.is_file():
            return LandingFile("reference", path, path.relative_to(landing).as_posix(), None)
    return None


def read_text_frame(path: Path) -> pl.DataFrame:
    """All columns as strings, headers normalised, plus `_row`; raises UnreadableFile."""
    fmt = file_format(path)
    if fmt is None:
        raise UnreadableFile(f"unsupported file type '{path.name}': the contract allows {', '.join(EVENT_FILE_SUFFIXES)}")
    try:
        if fmt.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                payload = handle.read()
        else:
            payload = path.read_bytes()
        if fmt.startswith(".csv"):
            frame = _read_csv(payload)
        elif fmt.startswith(".jsonl"):
            frame = _read_jsonl(payload)
        else:
            frame = _read_parquet(payload)
    except UnreadableFile:
        raise
    except (pl.exceptions.PolarsError, OSError, EOFError, ValueError) as exc:  # gzip, unicode, parse errors
        raise UnreadableFile(f"unreadable {fmt} file: {type(exc).__name__}: {_first_line(exc)}") from exc
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    return frame.with_row_index(ROW_COLUMN, offset=1).with_columns(pl.col(ROW_COLUMN).cast(pl.Int64))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else ""


def _read_csv(payload: bytes) -> pl.DataFrame:
    # Strict UTF-8 (a byte-order mark is tolerated): an undecodable file is rejected, never half-read.
    text = payload.decode("utf-8-sig")
    if not text.strip():
        raise UnreadableFile("empty file: no header row")
    return pl.read_csv(io.StringIO(text), infer_schema=False, raise_if_empty=True)


def _read_jsonl(payload: bytes) -> pl.DataFrame:
    payload.decode("utf-8")
    if not payload.strip():
        return pl.DataFrame()
    # First pass finds the keys; the second reads every value as text, so
    # 5, "5" and true all arrive the same way.
    keys = pl.read_ndjson(io.BytesIO(payload), infer_schema_length=None).columns
    return pl.read_ndjson(io.BytesIO(payload), schema={k: pl.String for k in keys})


def _read_parquet(payload: bytes) -> pl.DataFrame:
    frame = pl.read_parquet(io.BytesIO(payload))
    casts = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            column = pl.col(name)
            if dtype.time_zone is not None:
                column = column.dt.convert_time_zone("Asia/Shanghai").dt.replace_time_zone(None)
            # Typed timestamps with a zone are converted; naive ones are local, as in text.
            casts.append(column.dt.to_string("%Y-%m-%dT%H:%M:%S%.f").alias(name))
        elif isinstance(dtype, pl.Date):
            casts.append(pl.col(name).dt.to_string("%Y-%m-%d").alias(name))
        elif dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.String).str.to_lowercase().alias(name))
        else:
            casts.append(pl.col(name).cast(pl.String).alias(name))
    return frame.with_columns(casts) if casts else frame
