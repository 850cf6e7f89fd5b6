"""Finding and reading landing files with Polars.

Every file is read as text columns (values exactly as delivered) plus a
1-based `_row` number; parsing and validation happen in `validation.py`, so a
bad value becomes a quarantine row instead of a failed read.

A record the reader itself cannot make into a row (a JSONL line that is not a
JSON object, a CSV record with more fields than its header) is a row with
`_read_error` set and its text in `_raw_text`: the validator quarantines it,
and the file's other rows load. A file that cannot be read at all raises
UnreadableFile (any decompression, decode or parse error).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from sources import progress
from sources.contract import EVENT_FILE_SUFFIXES, EVENT_SOURCES, REFERENCE_TABLES

DT_FOLDER = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")
ROW_COLUMN = "_row"
READ_ERROR_COLUMN = "_read_error"  # why the reader could not make the record a row (else null)
RAW_TEXT_COLUMN = "_raw_text"  # that record's text as delivered (else null)
INTERNAL_COLUMNS = (ROW_COLUMN, READ_ERROR_COLUMN, RAW_TEXT_COLUMN)
RAW_TEXT_LIMIT = 100_000  # characters of an unreadable record kept in quarantine

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # huge fields are data, not a crash


class UnreadableFile(Exception):
    """The file cannot be read at all: it is rejected whole, with this reason."""


@dataclass(frozen=True)
class LandingFile:
    source: str
    path: Path
    relative_path: str  # relative to the landing root: what the audit shows
    dt: date | None
    skipped: str | None = None  # why the file is not read (hidden files), else None


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


def delivery_files(landing: Path, source: str, dt: str, include_hidden: bool = False) -> list[LandingFile]:
    """The files of one delivery folder. Hidden files (a path part starting
    with '.') are left out, or, with `include_hidden`, listed with the reason
    they are not read (the ingest books them as skipped)."""
    folder = landing / source / f"dt={dt}"
    if not folder.is_dir():
        return []
    day = date.fromisoformat(dt)
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        hidden = [part for part in path.relative_to(folder).parts if part.startswith(".")]
        if hidden and not include_hidden:
            continue
        reason = None
        if hidden:
            # Editors, sync tools and uploads leave such files; they are not deliveries.
            reason = f"hidden file ('{hidden[0]}' starts with '.'): not read; rename it without the dot to load it"
        found.append(LandingFile(source, path, path.relative_to(landing).as_posix(), day, skipped=reason))
    return found


def reference_file(landing: Path, table: str) -> LandingFile | None:
    """`reference/<table>.csv` (or another contract format of the same name)."""
    assert table in REFERENCE_TABLES
    folder = landing / "reference"
    for suffix in (".csv", *[s for s in EVENT_FILE_SUFFIXES if s != ".csv"]):
        path = folder / f"{table}{suffix}"
        if path.is_file():
            return LandingFile("reference", path, path.relative_to(landing).as_posix(), None)
    return None


def normalise_column(name: str) -> str:
    return name.strip().lower()


def read_text_frame(path: Path, contract_columns: Iterable[str] = ()) -> pl.DataFrame:
    """`_read_text_frame`, counted on the terminal's progress line (a rejected file counts as read, with no rows)."""
    try:
        frame = _read_text_frame(path, contract_columns)
    except UnreadableFile:
        progress.current().file_done()
        raise
    progress.current().file_done(rows=frame.height)
    return frame


def _read_text_frame(path: Path, contract_columns: Iterable[str] = ()) -> pl.DataFrame:
    """All columns as strings, headers normalised, plus `_row` (and the reader's
    per-record `_read_error` / `_raw_text`); raises UnreadableFile.

    `contract_columns` are the columns the contract names for this file: two
    delivered columns that normalise to one of them make the file ambiguous,
    so it is rejected; two extra columns that collide are ignored (kept as
    delivered, as the contract ignores extra columns).
    """
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
            frame, names = _read_csv(payload)
        elif fmt.startswith(".jsonl"):
            frame = _read_jsonl(payload, list(contract_columns))
            names = None
        else:
            frame = _read_parquet(payload)
            names = None
    except UnreadableFile:
        raise
    except MemoryError:
        raise
    except (Exception, pl.exceptions.PanicException) as exc:  # gzip/zlib, unicode, parse errors, engine panics
        raise UnreadableFile(f"unreadable {fmt} file: {type(exc).__name__}: {_first_line(exc)}") from exc
    frame = frame.rename(_normalised_names(frame.columns, names, set(contract_columns)))
    for internal in (READ_ERROR_COLUMN, RAW_TEXT_COLUMN):
        if internal not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(internal))
    if ROW_COLUMN not in frame.columns:
        frame = frame.with_row_index(ROW_COLUMN, offset=1)
    return frame.with_columns(pl.col(ROW_COLUMN).cast(pl.Int64))


def _normalised_names(columns: list[str], delivered: list[str] | None, contract: set[str]) -> dict[str, str]:
    """Frame column -> normalised name; raises UnreadableFile on an ambiguous contract column."""
    internal = set(INTERNAL_COLUMNS)
    data_columns = [c for c in columns if c not in internal]
    if delivered is None or len(delivered) != len(data_columns):
        delivered = data_columns
    groups: dict[str, list[int]] = {}
    for index, name in enumerate(delivered):
        groups.setdefault(normalise_column(name), []).append(index)
    mapping: dict[str, str] = {}
    taken = set(internal)
    for target, members in groups.items():
        if len(members) > 1 and (target in contract or not contract):
            shown = ", ".join(f"'{delivered[i]}'" for i in members)
            raise UnreadableFile(
                f"colliding columns {shown} all read as '{target}' after normalisation (trim, lower case): "
                f"which one holds {target} is ambiguous"
            )
        if len(members) == 1 and target not in internal and not target.startswith("_"):
            mapping[data_columns[members[0]]] = target
            taken.add(target)
    # Colliding extra columns (and extra columns named like the reader's own,
    # `_...`) are ignored under their delivered names, kept apart by a prefix.
    for members in groups.values():
        for i in members:
            column = data_columns[i]
            if column in mapping:
                continue
            name = f"extra:{delivered[i]}"
            while name in taken:
                name += "'"
            mapping[column] = name
            taken.add(name)
    return mapping


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else ""


def _decode_utf8(payload: bytes) -> str:
    # Strict UTF-8 (a byte-order mark is tolerated): an undecodable file is rejected, never half-read.
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"not UTF-8 text: byte {payload[exc.start : exc.start + 1]!r} at offset {exc.start} cannot be decoded"
        ) from exc


def _read_csv(payload: bytes) -> tuple[pl.DataFrame, list[str] | None]:
    """Polars reads the file; if it cannot (a record with more fields than the
    header), Python's csv module splits it into records and that record alone
    is quarantined. Broken quoting that no reader can resolve rejects the file."""
    text = _decode_utf8(payload)
    if not text.strip():
        raise UnreadableFile("empty file: no header row")
    try:
        header = next(csv.reader(io.StringIO(text, newline="")))
    except (csv.Error, StopIteration):
        header = None
    try:
        return _shield(pl.read_csv(io.StringIO(text), infer_schema=False, raise_if_empty=True)), header
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as polars_error:
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        except csv.Error as exc:
            raise UnreadableFile(f"unreadable .csv file: {exc} (Polars: {_first_line(polars_error)})") from exc
    header, body = records[0], records[1:]
    width = len(header)
    rows, errors, raws = [], [], []
    for record in body:
        if len(record) > width:
            rows.append([None] * width)
            errors.append(f"record has {len(record)} fields, the header has {width}")
            raws.append(_limited(json.dumps(record, ensure_ascii=False)))
        else:
            # Fewer fields read as nulls, as Polars reads them.
            rows.append([value if value != "" else None for value in record] + [None] * (width - len(record)))
            errors.append(None)
            raws.append(None)
    names = [f"column_{i + 1}" for i in range(width)]  # placeholders; renamed from the header
    frame = (
        pl.DataFrame(rows, schema={n: pl.String for n in names}, orient="row")
        if rows
        else pl.DataFrame(schema={n: pl.String for n in names})
    )
    frame = frame.with_columns(
        pl.Series(READ_ERROR_COLUMN, errors, dtype=pl.String),
        pl.Series(RAW_TEXT_COLUMN, raws, dtype=pl.String),
    )
    return frame, header


def _limited(text: str) -> str:
    return text if len(text) <= RAW_TEXT_LIMIT else text[:RAW_TEXT_LIMIT] + "...(truncated)"


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _read_jsonl(payload: bytes, contract_columns: list[str]) -> pl.DataFrame:
    """Polars reads the whole file when every line is a JSON object; otherwise
    each line is tried on its own, and a line that is not a JSON object is a
    quarantined row, not a rejected file. `_row` is the line number."""
    if payload.startswith(b"\xef\xbb\xbf"):
        payload = payload[3:]
    lines = payload.split(b"\n")
    if lines and lines[-1].strip() == b"":
        lines.pop()  # the final newline ends the last line; it starts none
    if not any(line.strip() for line in lines):
        # No record at all: a delivery of nothing, with the contract's columns.
        return pl.DataFrame(schema={c: pl.String for c in contract_columns})
    if all(line.strip() for line in lines):
        try:
            payload.decode("utf-8")
            return _ndjson_as_text(payload)
        except (UnicodeDecodeError, pl.exceptions.PolarsError, pl.exceptions.PanicException):
            pass  # some line is bad: find it below
    good_lines, good_numbers, bad = [], [], []
    first_error = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # a blank line is no record
        try:
            text = line.decode("utf-8")
            value = json.loads(text, parse_constant=_reject_constant)
            if not isinstance(value, dict):
                raise ValueError(f"a JSON {type(value).__name__}, not an object")
        except (ValueError, RecursionError) as exc:
            reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else f"not a JSON object: {_first_line(exc)}"
            first_error = first_error or f"line {number}: {reason}"
            bad.append((number, f"line {number} {reason}", _limited(line.decode("utf-8", errors="replace"))))
            continue
        good_lines.append(line)
        good_numbers.append(number)
    if not good_lines:
        raise UnreadableFile(f"not JSON Lines: no line is a JSON object ({first_error})")
    try:
        good = _ndjson_as_text(b"\n".join(good_lines))
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
        # A line json accepts but Polars does not: read the good lines one by one.
        parts, kept = [], []
        for number, line in zip(good_numbers, good_lines):
            try:
                parts.append(_ndjson_as_text(line))
                kept.append(number)
            except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as exc:
                bad.append(
                    (
                        number,
                        f"line {number} cannot be read: {_first_line(exc)}",
                        _limited(line.decode("utf-8", errors="replace")),
                    )
                )
        good_numbers = kept
        good = pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame()
    good = good.with_columns(
        pl.Series(ROW_COLUMN, good_numbers, dtype=pl.Int64),
        pl.lit(None, pl.String).alias(READ_ERROR_COLUMN),
        pl.lit(None, pl.String).alias(RAW_TEXT_COLUMN),
    )
    if bad:
        bad_frame = pl.DataFrame(
            {ROW_COLUMN: [b[0] for b in bad], READ_ERROR_COLUMN: [b[1] for b in bad], RAW_TEXT_COLUMN: [b[2] for b in bad]},
            schema={ROW_COLUMN: pl.Int64, READ_ERROR_COLUMN: pl.String, RAW_TEXT_COLUMN: pl.String},
        )
        good = pl.concat([good, bad_frame], how="diagonal_relaxed").sort(ROW_COLUMN)
    return good


def _ndjson_as_text(payload: bytes) -> pl.DataFrame:
    # First pass finds the keys (the schema only: reading the values too took three times as
    # long); the second reads every value as text, so 5, "5" and true all arrive the same way,
    # and a key whose values differ in type from line to line is no fault of the line.
    keys = pl.scan_ndjson(io.BytesIO(payload), infer_schema_length=None).collect_schema().names()
    return _shield(pl.read_ndjson(io.BytesIO(payload), schema={k: pl.String for k in keys}))


def _shield(frame: pl.DataFrame) -> pl.DataFrame:
    """A delivered column named like one of the reader's own is an extra column: set it apart."""
    clashing = {c: f"extra:{c}" for c in frame.columns if c in INTERNAL_COLUMNS}
    return frame.rename(clashing) if clashing else frame


def _read_parquet(payload: bytes) -> pl.DataFrame:
    frame = _shield(pl.read_parquet(io.BytesIO(payload)))
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
        elif dtype.is_nested() or dtype == pl.Binary or dtype == pl.Object:
            # Not a value the contract has: its text (JSON) is what gets validated.
            casts.append(pl.col(name).map_elements(_as_json_text, return_dtype=pl.String, skip_nulls=True).alias(name))
        else:
            casts.append(pl.col(name).cast(pl.String).alias(name))
    return frame.with_columns(casts) if casts else frame


def _as_json_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, pl.Series):
        value = value.to_list()
    return json.dumps(value, default=str, ensure_ascii=False)
