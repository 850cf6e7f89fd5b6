# Longer than 400 lines: the generators of bad rows and files for every reader, and the tally, in one runnable script.
"""Fuzz the landing readers and validator with generated bad rows and files (issue 11, item 7).

    .venv/bin/python benchmarks/fuzz_readers.py [--cases 10000] [--seed 0]

Hypothesis generates a landing file per case: any event source or reference
table, any contract format (.csv, .jsonl, .parquet, .csv.gz, .jsonl.gz),
rows with wrong types, absurd numbers and dates, broken quoting, binary
garbage and huge fields, missing / extra / colliding columns; then maybe one
file-level fault: a wrong encoding, a truncated or bit-flipped (compressed)
stream, random bytes, or content that is not what the extension says. Each
file goes through the same in-process function the ingest asset runs per file
(`storage.lake._load_file`: read, validate, audit), and then the lake write's
cast. Properties checked on every case (`check_case`):

- nothing raises;
- a rejected file is one quarantine entry (row_number null) with a reason,
  and loads nothing;
- a loaded file has rows_read = valid + quarantined, every quarantined row has
  its row number, a reason and its raw text, and row numbers are distinct;
- every valid row is valid by an independent check (required values present,
  numbers finite and in range, the event time in the plausible window);
- an undamaged file loses no record: rows_read = records written.

The test suite runs a few hundred of these cases (tests/test_fuzz_readers.py);
this script runs thousands and prints the figures for docs/reliability.md.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sources.contract import EVENT_SPECS, MAX_ABS_NUMBER, REFERENCE_SPECS, SourceSpec  # noqa: E402
from sources.landing import LandingFile  # noqa: E402
from sources.validation import plausible_window  # noqa: E402
from storage.lake import LOADED, REJECTED, _load_file, lake_schema  # noqa: E402

DELIVERY_DAY = date(2026, 9, 14)
WINDOW_DAYS = (366, 2)
KNOWN_IDS = {"cadres": {"C1", "C2"}, "apps": {"A1", "A2"}, "campaigns": {"K1"}}
FORMATS = (".csv", ".jsonl", ".parquet", ".csv.gz", ".jsonl.gz")
TARGETS = [*[(s, EVENT_SPECS[s]) for s in EVENT_SPECS], *[("reference", REFERENCE_SPECS[t]) for t in REFERENCE_SPECS]]

# ---------------------------------------------------------------- values

GOOD = {
    "id": ["X1", "id-7", "L8f3a1c0000042"],
    "text": ["dev-1", "Li Wei", "58.21.14.7", ""],
    "timestamp": ["2026-09-14T08:31:12+08:00", "2026-09-13T02:05:13Z", "2026-09-14 17:38:09", "2026-09-16T23:59:59"],
    "date": ["2020-03-01", "2026-09-30"],
    "number": ["12.5", "0", "18342.57", "4"],
    "latitude": ["38.912344", "-90", "90"],
    "longitude": ["115.871209", "-180", "180"],
    "integer": ["3", "0", "5", "1.0"],
    "boolean": ["true", "false", "TRUE"],
    "period": ["2026-09"],
    "hex64": ["9c4e1f00a37b52d8"],
}
BAD = [
    "",
    " ",
    "null",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e400",
    "1e19",
    "-1e19",
    "99999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "1e15",
    "1e16",
    "0x1F",
    "1_000",
    "--",
    "1.2.3",
    "twelve",
    "-1",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59",
    "1900-01-01T00:00:00+08:00",
    "2999-12-31T23:59:59Z",
    "10000-01-01T00:00:00",
    "2026-09-31T08:00:00",
    "2026-09-14T25:10:00",
    "2026-09-14T08:00:00+99:99",
    "14/09/2026 08:31",
    "2026-13",
    "true ",
    "yes",
    "Z",
    "'; drop table x; --",
    '"quoted"',
    "a,b",
    "line\nbreak",
    "cr\rreturn",
    "\x00nul",
    "\ufeffbom",
    "日本語",
    "😀",
    "\\u0000",
    '{"a": 1}',
    "[1,2]",
]


def good_values(column) -> list[str]:
    if column.references:
        return sorted(KNOWN_IDS[column.references])
    if column.kind == "enum":
        return [*column.values, column.values[0].upper()]
    return GOOD[column.kind]


def value_strategy(column) -> st.SearchStrategy[str | None]:
    good = good_values(column) if column is not None else GOOD["text"]
    return st.one_of(
        st.sampled_from(good),
        st.sampled_from(BAD),
        st.text(max_size=12),
        st.integers(min_value=-(10**22), max_value=10**22).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.none(),
        st.just("x" * 70_000),  # a huge field
    )


# ---------------------------------------------------------------- cases


@dataclass
class Case:
    source: str
    spec: SourceSpec
    fmt: str
    header: list[str]
    rows: list[list[str | None]]
    jsonl_junk: list[tuple[int, str]] = field(default_factory=list)  # (position, line) of non-JSON lines
    csv_style: str = "quoted"  # quoted | naive (no quoting: broken quoting, ragged records)
    file_fault: str | None = None  # encoding / truncate / bitflip / garbage / mislabel / empty / bom
    fault_seed: int = 0

    def describe(self) -> str:
        return f"{self.source}/{self.spec.name}{self.fmt} {len(self.rows)} rows, header={self.header[:12]}, style={self.csv_style}, fault={self.file_fault}"


EXTRA_NAMES = ["Note", "note", " NOTE ", "extra", "_row", "_raw_text", "_read_error", "", "x y", "Ünïcode"]


@st.composite
def cases(draw) -> Case:
    source, spec = draw(st.sampled_from(TARGETS))
    fmt = draw(st.sampled_from(FORMATS))
    header = [c.name for c in spec.columns]
    # missing columns (a required one makes the file invalid), extra and colliding ones
    header = [c for c in header if draw(st.integers(0, 49)) > 0]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):
        choice = draw(st.integers(0, 2))
        if choice == 0:
            header.append(draw(st.sampled_from(EXTRA_NAMES)))
        elif choice == 1 and spec.columns and draw(st.booleans()):
            name = draw(st.sampled_from([c.name for c in spec.columns]))
            header.append(draw(st.sampled_from([name.upper(), f" {name}", name.title(), name])))
        else:
            header.append(draw(st.text(max_size=6)))
    header = draw(st.permutations(header)) if header else header
    kinds = {c.name: c for c in spec.columns}
    n_rows = draw(st.integers(0, 12))
    rows = []
    for _ in range(n_rows):
        row = []
        for name in header:
            column = kinds.get(name)
            if column is not None and draw(st.integers(0, 3)) > 0:
                row.append(draw(st.sampled_from(good_values(column))))
            else:
                row.append(draw(value_strategy(column)))
        rows.append(row)
    junk = []
    if fmt.startswith(".jsonl") and rows and draw(st.integers(0, 3)) == 0:
        for _ in range(draw(st.integers(1, 3))):
            junk.append(
                (
                    draw(st.integers(0, len(rows))),
                    draw(st.sampled_from(["not json", "[1, 2]", "5", "null", '{"a": NaN}', "{", '"text"', "{}x"])),
                )
            )
    style = draw(st.sampled_from(["quoted", "quoted", "quoted", "naive"])) if fmt.startswith(".csv") else "quoted"
    fault = draw(
        st.one_of(
            st.none(),
            st.none(),
            st.sampled_from(["utf16", "latin1", "gbk", "truncate", "bitflip", "garbage", "mislabel", "empty", "bom"]),
        )
    )
    return Case(source, spec, fmt, list(header), rows, junk, style, fault, draw(st.integers(0, 2**32 - 1)))


def _json_value(text: str | None, rng: random.Random):
    """Values as a JSONL producer might type them: strings, numbers, booleans, nested."""
    if text is None:
        return None
    roll = rng.random()
    if roll < 0.15:
        try:
            number = float(text)
            if math.isfinite(number):
                return int(number) if number.is_integer() and abs(number) < 1e30 else number
        except ValueError:
            pass
    if roll < 0.2 and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if roll > 0.97:
        return [text, {"nested": text}]
    return text


def render(case: Case) -> tuple[bytes, int | None]:
    """The file's bytes, and the number of records a reader must find (None when unknowable)."""
    rng = random.Random(case.fault_seed)
    expected: int | None = len(case.rows)
    if case.fmt.startswith(".csv"):
        out = io.StringIO(newline="")
        if case.csv_style == "quoted":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(case.header)
            writer.writerows([["" if v is None else v for v in row] for row in case.rows])
        else:  # no quoting at all: commas, quotes and newlines in values break records
            out.write(",".join(case.header) + "\n")
            for row in case.rows:
                out.write(",".join("" if v is None else v for v in row) + "\n")
            expected = None
        if not case.header:
            expected = None
        data = out.getvalue().encode("utf-8", errors="surrogatepass")
    elif case.fmt.startswith(".jsonl"):
        lines = []
        for row in case.rows:
            record = {}
            for name, value in zip(case.header, row):
                record[name] = _json_value(value, rng)  # a repeated key: the last one wins
            lines.append(json.dumps(record, ensure_ascii=rng.random() < 0.5))
        for position, junk in sorted(case.jsonl_junk, reverse=True):
            lines.insert(position, junk)
        expected = len(lines) if lines else 0
        data = ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
        if case.jsonl_junk and len(case.jsonl_junk) == len(lines):
            expected = None
    else:
        unique = list(dict.fromkeys(case.header))
        columns = {name: [row[case.header.index(name)] for row in case.rows] for name in unique}
        frame = pl.DataFrame(columns, schema={n: pl.String for n in unique})
        # typed columns, as a Parquet producer would write them
        for name in unique:
            if rng.random() < 0.3:
                text = pl.col(name)
                typed = rng.choice(
                    [
                        text.cast(pl.Float64, strict=False),
                        text.cast(pl.Int64, strict=False),
                        text.str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", strict=False, time_zone="UTC"),
                        text.str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False),
                        text.str.to_lowercase() == "true",
                        pl.concat_list([text, text]),
                        text.cast(pl.Binary),
                    ]
                )
                frame = frame.with_columns(typed.alias(name))
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        data = buffer.getvalue()
    if case.fmt.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    data, damaged = _fault(case, data, rng)
    return data, (None if damaged else expected)


def _fault(case: Case, data: bytes, rng: random.Random) -> tuple[bytes, bool]:
    fault = case.file_fault
    if fault is None:
        return data, False
    if fault == "truncate" and data:
        return data[: rng.randrange(len(data))], True
    if fault == "bitflip" and data:
        flipped = bytearray(data)
        start = rng.randrange(len(flipped))
        for i in range(start, min(len(flipped), start + rng.choice([1, 8, 64]))):
            flipped[i] ^= 1 << rng.randrange(8)
        return bytes(flipped), True
    if fault == "garbage":
        return bytes(rng.randrange(256) for _ in range(rng.choice([1, 17, 512, 4096]))), True
    if fault == "empty":
        return b"", True
    if fault == "mislabel":  # another format's bytes under this extension
        other = rng.choice(
            [b"PAR1\x00\x00garbage", gzip.compress(b"a,b\n1,2\n"), b'{"login_id": "L1"}\n', b"login_id,cadre_id\nL1,C1\n"]
        )
        return other, True
    if case.fmt.endswith(".gz") or case.fmt == ".parquet":
        return data, False  # text re-encodings only make sense for plain text files
    text = data.decode("utf-8", errors="replace")
    if fault == "utf16":
        return text.encode("utf-16"), True
    if fault == "latin1":
        return text.encode("latin-1", errors="replace") + "é".encode("latin-1"), True
    if fault == "gbk":
        return text.encode("gbk", errors="replace") + "中文".encode("gbk"), True
    if fault == "bom":
        return b"\xef\xbb\xbf" + data, False
    return data, False


# ---------------------------------------------------------------- properties


@dataclass
class Tally:
    cases: int = 0
    files_loaded: int = 0
    files_rejected: int = 0
    rows_read: int = 0
    rows_valid: int = 0
    rows_quarantined: int = 0
    by_format: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)


def _independently_valid(spec: SourceSpec, valid: pl.DataFrame) -> None:
    start, end = plausible_window(DELIVERY_DAY, WINDOW_DAYS)
    for column in spec.columns:
        series = valid[column.name]
        if not column.nullable:
            assert series.null_count() == 0, f"valid row with null {column.name}"
        if column.kind in ("number", "latitude", "longitude", "integer"):
            values = series.drop_nulls().cast(pl.Float64)
            assert values.is_finite().all() and (values.abs() <= MAX_ABS_NUMBER).all(), f"absurd {column.name} loaded"
        if column.kind == "latitude":
            assert series.drop_nulls().is_between(-90, 90).all()
        if column.kind == "longitude":
            assert series.drop_nulls().is_between(-180, 180).all()
        if column.references:
            assert set(series.drop_nulls().to_list()) <= KNOWN_IDS[column.references], f"unknown {column.name} loaded"
    if spec.event_time and spec.name in EVENT_SPECS and valid.height:
        moments = valid[spec.event_time]
        assert moments.min() >= start and moments.max() < end, f"{spec.event_time} outside the window loaded"


def check_case(case: Case, folder: Path, tally: Tally | None = None) -> None:
    data, expected = render(case)
    name = f"f{case.fault_seed}{case.fmt}"
    path = folder / name
    path.write_bytes(data)
    dt = DELIVERY_DAY if case.source != "reference" else None
    relative = f"{case.source}/dt={DELIVERY_DAY}/{name}" if dt else f"reference/{case.spec.name}{case.fmt}"
    known = KNOWN_IDS if case.source != "reference" else {}
    try:
        valid, audit, quarantine = _load_file(
            LandingFile(case.source, path, relative, dt), case.spec, known, datetime(2026, 9, 15), WINDOW_DAYS
        )
    finally:
        path.unlink()
    reasons = quarantine["reason"].to_list()
    assert all(isinstance(r, str) and r.strip() for r in reasons), "a quarantine entry without a reason"
    if audit["status"] == REJECTED:
        assert valid is None
        assert quarantine.height == 1 and quarantine["row_number"][0] is None, "a rejected file must be one entry"
        assert reasons[0].startswith("file rejected: ") and audit["error"]
        assert audit["rows_valid"] == 0
        if expected is not None and audit["rows_read"] is not None:
            assert audit["rows_read"] == expected, f"rows_read {audit['rows_read']} != {expected} records written"
    else:
        assert audit["status"] == LOADED
        assert audit["rows_read"] == valid.height + quarantine.height, "rows_read != loaded + quarantined"
        assert audit["rows_quarantined"] == quarantine.height and audit["rows_valid"] == valid.height
        assert quarantine["row_number"].null_count() == 0, "a quarantined row without its row number"
        assert quarantine["raw"].null_count() == 0, "a quarantined row without its raw text"
        numbers = valid["_row"].to_list() + quarantine["row_number"].to_list()
        assert len(numbers) == len(set(numbers)), "a record counted twice"
        if expected is not None:
            assert audit["rows_read"] == expected, f"rows_read {audit['rows_read']} != {expected} records written"
        _independently_valid(case.spec, valid)
        schema = lake_schema(case.spec)
        lake_frame = (
            valid.with_columns(pl.lit(DELIVERY_DAY if dt else None, pl.Date).alias("_dt")).select(list(schema)).cast(schema)
        )
        lake_frame.write_parquet(io.BytesIO())  # the lake write must not fail either
    if tally is not None:
        tally.cases += 1
        tally.by_format[case.fmt] += 1
        tally.faults[case.file_fault or ("naive csv" if case.csv_style == "naive" else "none")] += 1
        if audit["status"] == REJECTED:
            tally.files_rejected += 1
            tally.reasons[_reason_kind(audit["error"])] += 1
        else:
            tally.files_loaded += 1
            tally.rows_read += audit["rows_read"]
            tally.rows_valid += valid.height
            tally.rows_quarantined += quarantine.height


def _reason_kind(error: str) -> str:
    for prefix in ("missing required column", "colliding columns", "not UTF-8", "not JSON Lines", "empty file", "unreadable"):
        if error.startswith(prefix):
            if prefix == "unreadable":
                return " ".join(error.split(":")[:2])[:60]
            return prefix
    return error[:60]


def run(cases_wanted: int, seed: int) -> Tally:
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        @settings(
            max_examples=cases_wanted,
            deadline=None,
            database=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )
        @given(cases())
        def fuzz(case: Case) -> None:
            check_case(case, folder, tally)

        random.seed(seed)
        fuzz()
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    tally = run(args.cases, args.seed)
    elapsed = time.perf_counter() - started
    print(f"fuzz_readers: {tally.cases} cases in {elapsed:.1f} s ({tally.cases / elapsed:.0f} cases/s), all properties held")
    print(
        f"  machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, polars {pl.__version__}"
    )
    print(f"  files loaded {tally.files_loaded}, rejected {tally.files_rejected}")
    print(f"  rows read {tally.rows_read} in loaded files: valid {tally.rows_valid}, quarantined {tally.rows_quarantined}")
    print("  cases by format: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.by_format.items())))
    print("  cases by file fault: " + ", ".join(f"{k} {v}" for k, v in tally.faults.most_common()))
    print("  rejections by reason: " + "; ".join(f"{k} {v}" for k, v in tally.reasons.most_common(12)))


if __name__ == "__main__":
    main()
