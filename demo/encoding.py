"""Encoding: typed rows -> the text the contract reads, and files in dt= delivery folders.

Why: the pipeline must read CSV, JSONL (typed or as strings), Parquet (typed
or as strings) and gzip the same way, and timestamps in three offset styles.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl

from demo.clock import LOCAL_OFFSET_S
from demo.draw import hex_strings
from demo.honest.reports import CENTS, FUNDS_METRIC
from demo.schema import ID_COLUMN, ID_PREFIX, META, NATURAL_TYPES, NULL, SCHEMAS, Table
from demo.world import World

Progress = Callable[[Path, int], None]  # told each file (and its data rows) right after it is written

FILES_PER_FOLDER = (2, 5)
FORMATS = [".csv", ".jsonl", ".parquet", ".csv.gz", ".jsonl.gz"]
FORMAT_P = [0.30, 0.25, 0.25, 0.10, 0.10]
NATURAL_JSON_COLUMN_P = 0.75  # JSONL columns written as numbers/booleans, not strings
NATURAL_PARQUET_P = 0.6  # parquet files written with typed columns, not strings
GZIP_LEVEL = 6  # level 9 costs seconds at 3,000 cadres for a few percent of bytes
MIN_ID_DIGITS = 7
DEGREE_DECIMALS, CENT_DECIMALS = 6, 2
FILE_NAME_CHARS = 8
REJECTED_FILES = {"app_logins": "truncated_gzip", "votes": "corrupt_file", "checkins": "missing_column:cadre_id"}
CORRUPT_FILE_BYTES = 2048
OFFSET_STYLE, UTC_STYLE = 0, 1  # the `_style` of a row (STYLE_P in demo.delivery); 2 = local, no offset


def fixed(col: pl.Expr, decimals: int) -> pl.Expr:
    """Non-negative scaled integer -> '38.912344' with exactly `decimals` decimals."""
    s = 10**decimals
    return pl.format("{}.{}", col // s, (col % s).cast(pl.String).str.zfill(decimals))


def timestamp(col: pl.Expr, style: pl.Expr) -> pl.Expr:
    """Epoch seconds -> ISO-8601 in the row's style: local "+08:00", UTC "Z", or local without offset."""
    wall = pl.from_epoch(col + pl.when(style == UTC_STYLE).then(0).otherwise(LOCAL_OFFSET_S), time_unit="s")
    suffix = (
        pl.when(style == OFFSET_STYLE).then(pl.lit("+08:00")).when(style == UTC_STYLE).then(pl.lit("Z")).otherwise(pl.lit(""))
    )
    return wall.dt.strftime("%Y-%m-%dT%H:%M:%S") + suffix


def format_rows(source: str, t: Table, salt: str) -> pl.DataFrame:
    """All landing columns as strings (None = null) plus the meta columns."""

    def series(name):  # object arrays hold str/None, polars wants them as a list
        arr = t[name]
        return pl.Series(name, arr.tolist(), dtype=pl.String) if arr.dtype == object else pl.Series(name, arr)

    df = pl.DataFrame([series(name) for name in [*SCHEMAS[source], *META]]).with_row_index("_row")
    exprs = []
    width = max(MIN_ID_DIGITS, len(str(int(t[ID_COLUMN[source]].max()))))
    for name, kind in SCHEMAS[source].items():
        c = pl.when(pl.col(name) != NULL).then(pl.col(name)) if kind != "str" else pl.col(name)
        if kind == "id":
            e = pl.lit(ID_PREFIX[source] + salt) + c.cast(pl.String).str.zfill(width)
        elif kind == "ts":
            e = timestamp(c, pl.col("_style"))
        elif kind == "int":
            e = c.cast(pl.String)
        elif kind == "deg":
            e = fixed(c, DEGREE_DECIMALS)
        elif kind == "dec1":
            e = fixed(c, 1)  # tenths
        elif kind == "bool":
            e = pl.when(c == 1).then(pl.lit("true")).when(c == 0).then(pl.lit("false"))
        elif kind == "value":
            e = pl.when(pl.col("metric") == FUNDS_METRIC).then(fixed(c, CENT_DECIMALS)).otherwise((c // CENTS).cast(pl.String))
        else:
            e = c
        exprs.append(e.alias(name))
    return df.with_columns(exprs)


def naturalize(s: pl.Series, kind: str) -> pl.Series | None:
    """The column as numbers / booleans, or None when some value does not fit."""
    dtype = NATURAL_TYPES.get(kind)
    if dtype is None:
        return None
    if dtype == pl.Boolean:
        if not s.drop_nulls().is_in(["true", "false"]).all():
            return None
        return s == "true"
    cast = s.cast(dtype, strict=False)
    return cast if cast.null_count() == s.null_count() else None


def encode(df: pl.DataFrame, source: str, fmt: str, rng) -> bytes | pl.DataFrame:
    """A file's content in `fmt`: CSV as strings; JSONL per column and parquet per file typed or strings."""
    if fmt.startswith(".csv"):
        data = df.write_csv().encode()
    elif fmt.startswith(".jsonl"):
        cols = []
        for name, kind in SCHEMAS[source].items():
            nat = naturalize(df[name], kind) if rng.random() < NATURAL_JSON_COLUMN_P else None
            cols.append(df[name] if nat is None else nat.alias(name))
        data = pl.DataFrame(cols).write_ndjson().encode()
    else:
        if rng.random() < NATURAL_PARQUET_P:
            typed = [naturalize(df[name], kind) for name, kind in SCHEMAS[source].items()]
            fits = all(n is not None or k not in NATURAL_TYPES for n, k in zip(typed, SCHEMAS[source].values()))
            if fits:  # every value fits its type; else the whole file stays strings
                df = pl.DataFrame([df[name] if n is None else n.alias(name) for name, n in zip(df.columns, typed)])
        return df
    return gzip.compress(data, GZIP_LEVEL, mtime=0) if fmt.endswith(".gz") else data


def file_name(rng, fmt: str) -> str:
    return f"part-{hex_strings(rng, 1, FILE_NAME_CHARS)[0]}{fmt}"


def assign_files(df: pl.DataFrame, rng) -> np.ndarray:
    """2-4 files per delivery folder; a same-folder re-delivery goes to another file."""
    dt = df["_dt"].to_numpy()
    folders, inverse, counts = np.unique(dt, return_inverse=True, return_counts=True)
    nf = np.minimum(rng.integers(*FILES_PER_FOLDER, len(folders)), counts)[inverse]
    f = (rng.random(len(dt)) * nf).astype(np.int64)
    copies = np.nonzero(df["_copy_of"].to_numpy() >= 0)[0]
    orig = np.searchsorted(df["_row"].to_numpy(), df["_copy_of"].to_numpy()[copies])  # rows are sorted by _row
    same = copies[dt[orig] == dt[copies]]
    o = orig[dt[orig] == dt[copies]]
    f[same] = (f[o] + 1 + (rng.random(len(same)) * (nf[same] - 1)).astype(np.int64)) % nf[same]
    return f


def write_source(out: Path, source: str, df: pl.DataFrame, w: World, progress: Progress) -> tuple[list, dict]:
    """Write every delivery folder of `source`; return invalid-row truth and file stats."""
    rng = w.rng
    cols = list(SCHEMAS[source])
    df = df.filter(~pl.col("_reject"))
    df = df.with_columns(pl.Series("_file", assign_files(df, rng)))
    truth, files = [], {}
    for (dt, _f), part in sorted(df.partition_by(["_dt", "_file"], as_dict=True, maintain_order=True).items()):
        folder = out / source / f"dt={w.start + timedelta(days=int(dt))}"
        folder.mkdir(parents=True, exist_ok=True)
        fmt = str(rng.choice(FORMATS, p=FORMAT_P))
        name = file_name(rng, fmt)
        part = part.sort("_order", maintain_order=True)  # event order, as an export gives them
        rel = f"{source}/{folder.name}/{name}"
        for i in np.nonzero(part["_kind"].is_not_null().to_numpy())[0]:
            truth.append((source, rel, int(i) + 1, part["_kind"][int(i)]))
        content = encode(part.select(cols), source, fmt, rng)
        if isinstance(content, pl.DataFrame):
            content.write_parquet(folder / name)
        else:
            (folder / name).write_bytes(content)
        progress(folder / name, part.height)
        files[rel] = part.height
    return truth, files


def write_rejected_file(out: Path, source: str, df: pl.DataFrame, w: World, progress: Progress) -> list:
    """The source's planted unreadable file, if it has one: [(file_path, reason, rows or None)]."""
    rng = w.rng
    reason = REJECTED_FILES.get(source)
    if reason is None:
        return []
    dts = sorted(p.name for p in (out / source).iterdir())
    folder = out / source / dts[len(dts) // 2]
    fill = df.filter(pl.col("_reject")).select(list(SCHEMAS[source]))
    rows = None
    if reason == "truncated_gzip":  # cut in half: the deflate stream never ends
        path = folder / file_name(rng, ".jsonl.gz")
        gz = gzip.compress(fill.write_ndjson().encode(), GZIP_LEVEL, mtime=0)
        path.write_bytes(gz[: len(gz) // 2])
    elif reason == "corrupt_file":  # garbage bytes under a .parquet name
        path = folder / file_name(rng, ".parquet")
        path.write_bytes(rng.bytes(CORRUPT_FILE_BYTES))
    else:  # a CSV export that lost its cadre_id column
        path = folder / file_name(rng, ".csv")
        fill = fill.drop("cadre_id")
        fill.write_csv(path)
        rows = fill.height
    progress(path, 0 if reason == "corrupt_file" else fill.height)
    return [(path.relative_to(out).as_posix(), reason, rows)]
