"""Property-based fuzzing of the landing readers and validator (issue 11, item 7).

A few hundred generated cases here (seconds); `benchmarks/fuzz_readers.py`
runs the same properties on 10,000+ cases (figures in docs/reliability.md).
Everything runs in-process on the function the ingest asset calls per file.
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from fuzz_readers import KNOWN_IDS, WINDOW_DAYS, Tally, cases, check_case  # noqa: E402

from sources.contract import EVENT_SPECS  # noqa: E402
from sources.landing import LandingFile  # noqa: E402
from storage.lake import _load_file  # noqa: E402

FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
SPEC = EVENT_SPECS["app_logins"]


@FAST
@given(cases())
def test_generated_bad_files_never_crash_and_every_record_is_booked(case):
    """Nothing raises; rejected = one entry with a reason; loaded: read = valid + quarantined,
    every quarantined row has a row number, reason and raw text; valid rows are valid."""
    with tempfile.TemporaryDirectory() as folder:
        check_case(case, Path(folder), Tally())


def _load(tmp: Path, name: str, payload: bytes):
    path = tmp / name
    path.write_bytes(payload)
    return _load_file(
        LandingFile("app_logins", path, f"app_logins/dt=2026-09-14/{name}", date(2026, 9, 14)),
        SPEC,
        KNOWN_IDS,
        datetime(2026, 9, 15),
        WINDOW_DAYS,
    )


GOOD_LINE = st.integers(0, 10**6).map(
    lambda n: json.dumps(
        {
            "login_id": f"L{n}",
            "cadre_id": "C1",
            "app_id": "A1",
            "device_id": "d",
            "ip": "i",
            "login_at": "2026-09-14T08:00:00+08:00",
            "logout_at": None,
            "actions": n % 7,
        }
    )
)
BAD_LINE = st.one_of(
    st.text(min_size=1, max_size=40).filter(
        lambda t: "\n" not in t and "\r" not in t and t.strip() and not t.strip().startswith("{")
    ),
    st.sampled_from(["[]", "null", "5", '"s"', "{", '{"a": NaN}', '{"login_id": 1,}']),
)


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.booleans(), GOOD_LINE, BAD_LINE), min_size=1, max_size=30), st.booleans())
def test_jsonl_bad_lines_are_quarantined_by_line_number_and_the_rest_load(lines, compress):
    texts = [good if keep else bad for keep, good, bad in lines]
    bad_numbers = [i + 1 for i, (keep, _, _) in enumerate(lines) if not keep]
    payload = ("\n".join(texts) + "\n").encode()
    name = "x.jsonl.gz" if compress else "x.jsonl"
    with tempfile.TemporaryDirectory() as folder:
        valid, audit, quarantine = _load(Path(folder), name, gzip.compress(payload) if compress else payload)
    if len(bad_numbers) == len(lines):
        assert audit["status"] == "rejected" and audit["error"].startswith("not JSON Lines")
        return
    assert audit["status"] == "loaded"
    assert audit["rows_read"] == len(lines)
    assert sorted(quarantine["row_number"].to_list()) == bad_numbers
    assert valid.height == len(lines) - len(bad_numbers)
    assert sorted(valid["_row"].to_list()) == [i + 1 for i, (keep, _, _) in enumerate(lines) if keep]


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.binary(min_size=1, max_size=64), st.integers(0, 10**6), st.sampled_from([".csv.gz", ".jsonl.gz"]))
def test_a_damaged_compressed_stream_is_one_rejected_file(noise, position, suffix):
    rows = [
        {
            "login_id": f"L{n}",
            "cadre_id": "C1",
            "app_id": "A1",
            "device_id": "d",
            "ip": "i",
            "login_at": "2026-09-14T08:00:00",
            "logout_at": None,
            "actions": 1,
        }
        for n in range(200)
    ]
    text = pl.DataFrame(rows).write_csv() if suffix == ".csv.gz" else "".join(json.dumps(r) + "\n" for r in rows)
    payload = bytearray(gzip.compress(text.encode(), mtime=0))
    start = 10 + position % (len(payload) - 10)
    for i, byte in enumerate(noise):
        if start + i < len(payload):
            payload[start + i] ^= byte or 0xFF
    with tempfile.TemporaryDirectory() as folder:
        valid, audit, quarantine = _load(Path(folder), f"x{suffix}", bytes(payload))
    if audit["status"] == "rejected":
        assert valid is None and quarantine.height == 1 and quarantine["reason"][0].startswith("file rejected: ")
    else:  # the flip hit the header or trailer only and zlib still inflated it, or the text survived
        assert audit["rows_read"] == valid.height + quarantine.height
