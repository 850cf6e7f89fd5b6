"""The demo generator's landing folder, built end to end, agrees with counts
computed here independently from the landing files (plain Python readers,
none of the pipeline's code) and with the generator's ground truth."""

import csv
import gzip
import io
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import query

SHANGHAI = timezone(timedelta(hours=8))
EVENT_TIME = {"app_logins": ("login_id", "login_at"), "checkins": ("checkin_id", "checkin_at"), "votes": ("vote_id", "voted_at")}


@pytest.fixture(scope="module")
def demo(demo_build):
    return demo_build


def _records(path: Path) -> list[dict]:
    name = path.name
    if name.endswith(".parquet"):
        return [{k: (None if v is None else str(v)) for k, v in row.items()} for row in pq.read_table(path).to_pylist()]
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    text = raw.decode("utf-8")
    if ".csv" in name:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _truth_invalid(landing: Path) -> tuple[set, set]:
    rows, files = set(), set()
    with open(landing / "_truth" / "invalid.csv") as handle:
        for row in csv.DictReader(handle):
            if row["row_number"]:
                rows.add((row["file_path"], int(row["row_number"])))
            else:
                files.add(row["file_path"])
    return rows, files


def _local_month(text) -> str:
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00").replace(" ", "T"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI)
    return moment.strftime("%Y-%m")


def _independent_counts(landing: Path, source: str) -> Counter:
    id_column, time_column = EVENT_TIME[source]
    who = "voter_id" if source == "votes" else "cadre_id"
    bad_rows, bad_files = _truth_invalid(landing)
    cadres = {row["cadre_id"] for row in _records(landing / "reference" / "cadres.csv") if row["cadre_id"]}
    seen, counts = set(), Counter()
    for path in sorted((landing / source).glob("dt=*/*")):
        relative = path.relative_to(landing).as_posix()
        if relative in bad_files:
            continue
        for number, record in enumerate(_records(path), start=1):
            if (relative, number) in bad_rows or record[id_column] in seen:
                continue
            seen.add(record[id_column])
            if record[who] in cadres:
                counts[(record[who], _local_month(record[time_column]))] += 1
    return counts


@pytest.mark.parametrize(
    ("source", "column"), [("app_logins", "login_count"), ("checkins", "checkin_count"), ("votes", "votes_cast")]
)
def test_cadre_monthly_counts_equal_counts_from_the_landing_files(demo, source, column):
    landing, warehouse = demo
    expected = _independent_counts(landing, source)
    built = {
        (cadre, month): n
        for cadre, month, n in query(warehouse, f"select cadre_id, strftime(month, '%Y-%m'), {column} from marts.cadre_monthly")
        if n
    }
    assert built == dict(expected)


def test_cadre_monthly_has_one_row_per_cadre_and_month(demo):
    _, warehouse = demo
    rows, distinct, cadres, months = query(
        warehouse,
        """
        select count(*), count(distinct (cadre_id, month)),
               (select count(*) from staging.stg_cadres), count(distinct month)
        from marts.cadre_monthly
        """,
    )[0]
    assert rows == distinct == cadres * months


def test_every_planted_invalid_row_and_file_is_quarantined_and_nothing_else(demo):
    landing, warehouse = demo
    bad_rows, bad_files = _truth_invalid(landing)
    quarantined = query(warehouse, "select file_path, row_number from ops.quarantine")
    assert {(p, n) for p, n in quarantined if n is not None} == bad_rows
    assert {p for p, n in quarantined if n is None} == bad_files
    rejected = {p for (p,) in query(warehouse, "select file_path from ops.load_audit where status = 'rejected'")}
    assert rejected == bad_files


def test_audit_identity_holds_for_every_readable_file(demo):
    _, warehouse = demo
    broken = query(
        warehouse,
        """
        select file_path from ops.load_audit
        where rows_read is not null and rows_read <> rows_loaded + rows_duplicate + rows_quarantined
        """,
    )
    assert broken == []
    landed = query(warehouse, "select count(*) from ops.load_audit")[0][0]
    files = sum(1 for p in landing_files(demo[0]))
    assert landed == files


def landing_files(landing: Path):
    for path in landing.rglob("*"):
        if path.is_file() and "_truth" not in path.parts:
            yield path
