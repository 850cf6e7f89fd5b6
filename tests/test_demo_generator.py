"""The demo generator writes a landing folder that follows the contract, the
same one for the same seed, with ground truth that matches what it wrote."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from sources.demo import FLAG_CODES, write_demo_landing

SOURCES = ("app_logins", "checkins", "votes", "cases", "reports")
ID_COLUMN = {"app_logins": "login_id", "checkins": "checkin_id", "votes": "vote_id", "cases": "case_id",
             "reports": "report_id"}
TIMESTAMP = {"app_logins": "login_at", "checkins": "checkin_at", "votes": "voted_at", "cases": "updated_at",
             "reports": "submitted_at"}


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "landing"
    write_demo_landing(out, cadres=50, seed=3)
    return out


def read(path: Path) -> pl.DataFrame:
    """A landing file as polars reads it, every column as text."""
    data = path.read_bytes()
    name = path.name
    if name.endswith(".gz"):
        data, name = gzip.decompress(data), name[:-3]
    if name.endswith(".csv"):
        df = pl.read_csv(io.BytesIO(data), infer_schema=False)
    elif name.endswith(".jsonl"):
        df = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
    else:
        df = pl.read_parquet(io.BytesIO(data))
    return df.select(pl.all().cast(pl.String))


def truth_rows(landing: Path, table: str) -> list[dict]:
    with open(landing / "_truth" / table, newline="") as handle:
        return list(csv.DictReader(handle))


def rejected(landing: Path) -> set[str]:
    return {r["file_path"] for r in truth_rows(landing, "invalid.csv") if not r["row_number"]}


def event_files(landing: Path, source: str) -> list[Path]:
    return sorted(p for p in (landing / source).glob("dt=*/*") if p.relative_to(landing).as_posix() not in rejected(landing))


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_writes_identical_files_and_another_seed_does_not(landing, tmp_path):
    write_demo_landing(tmp_path / "again", cadres=50, seed=3)
    write_demo_landing(tmp_path / "other", cadres=50, seed=4)
    assert digest(tmp_path / "again") == digest(landing)
    assert digest(tmp_path / "other") != digest(landing)


def test_layout_follows_the_contract(landing):
    assert sorted(p.name for p in (landing / "reference").iterdir()) == ["apps.csv", "cadres.csv", "campaigns.csv", "units.csv"]
    for source in SOURCES:
        folders = list((landing / source).iterdir())
        assert folders and all(f.name.startswith("dt=") for f in folders)
    suffixes = {"".join(p.suffixes) for s in SOURCES for p in (landing / s).glob("dt=*/*")}
    assert suffixes == {".csv", ".jsonl", ".parquet", ".csv.gz", ".jsonl.gz"}


def test_every_file_is_readable_except_the_planted_broken_ones(landing):
    broken = rejected(landing)
    assert len(broken) == 3
    for path in (landing / s for s in SOURCES):
        for file in path.glob("dt=*/*"):
            relative = file.relative_to(landing).as_posix()
            if relative.endswith((".parquet", ".gz")) and relative in broken:
                with pytest.raises(Exception):
                    read(file)
            else:
                read(file)  # readable, including the CSV that lacks a column
    lacking = [landing / p for p in broken if p.endswith(".csv")]
    assert len(lacking) == 1 and "cadre_id" not in read(lacking[0]).columns


def test_row_counts_in_the_summary_match_the_files(landing):
    summary = json.loads((landing / "_truth" / "summary.json").read_text())
    for source in SOURCES:
        frames = [read(p) for p in event_files(landing, source)]
        stats = summary["sources"][source]
        assert sum(f.height for f in frames) == stats["rows_written"], source
        assert len(frames) == stats["files"], source
        ids = pl.concat([f.select(ID_COLUMN[source]) for f in frames])[ID_COLUMN[source]]
        # every valid row is new, a re-delivery or a later case version; invalid rows carry fresh ids
        assert ids.len() == (stats["distinct_valid_ids"] + stats["redelivered_rows"]
                             + stats.get("case_update_rows", 0) + stats["invalid_rows"]), source
        assert ids.n_unique() >= stats["distinct_valid_ids"], source


def test_invalid_rows_in_the_truth_point_at_real_rows_of_every_kind(landing):
    rows = [r for r in truth_rows(landing, "invalid.csv") if r["row_number"]]
    for row in rows:
        assert 1 <= int(row["row_number"]) <= read(landing / row["file_path"]).height
    kinds = Counter((r["source"], r["kind"]) for r in rows)
    assert kinds[("checkins", "lat_out_of_range")] >= 3 and kinds[("cases", "closed_before_opened")] >= 3
    assert kinds[("app_logins", "logout_before_login")] >= 3 and kinds[("votes", "unknown_target")] >= 3
    assert sum(n for (source, _), n in kinds.items() if source == "reference") >= 4


def test_planted_unknown_cadre_rows_name_cadres_not_on_the_roster(landing):
    roster = set(read(landing / "reference" / "cadres.csv")["cadre_id"].drop_nulls())
    for row in truth_rows(landing, "invalid.csv"):
        if row["kind"] == "unknown_cadre":
            record = read(landing / row["file_path"]).row(int(row["row_number"]) - 1, named=True)
            assert record["cadre_id"] not in roster


def test_every_flag_code_has_at_least_two_planted_cadres_each_planted_once(landing):
    flags = truth_rows(landing, "flags.csv")
    per_code = Counter(r["flag_code"] for r in flags)
    assert set(per_code) == set(FLAG_CODES)
    assert min(per_code.values()) >= 2
    cadres = [r["cadre_id"] for r in flags]
    assert len(cadres) == len(set(cadres)), "a cadre is planted for at most one code"
    roster = set(read(landing / "reference" / "cadres.csv")["cadre_id"].drop_nulls())
    assert set(cadres) <= roster


def test_timestamps_carry_all_three_offset_styles(landing):
    for source in SOURCES:
        stamps = pl.concat([read(p).select(TIMESTAMP[source]) for p in event_files(landing, source)])[TIMESTAMP[source]]
        styles = stamps.str.extract(r"(\+08:00|Z)$").fill_null("local").value_counts()
        assert set(styles[TIMESTAMP[source]]) == {"+08:00", "Z", "local"}, source


def test_honest_gps_fixes_never_repeat_but_a_spoofer_repeats_one(landing):
    frames = pl.concat([read(p).select("cadre_id", "kind", "checkin_at", "lat", "lon") for p in event_files(landing, "checkins")])
    spoofers = {r["cadre_id"] for r in truth_rows(landing, "flags.csv") if r["flag_code"] == "gps_spoof"}
    points = (frames.drop_nulls(["cadre_id", "checkin_at"])
              .unique(["cadre_id", "checkin_at", "kind"])  # a re-delivered row is one fix
              .with_columns(pl.col("lat").cast(pl.Float64, strict=False), pl.col("lon").cast(pl.Float64, strict=False),
                            pl.col("checkin_at").str.slice(0, 10).alias("day"))
              .filter(pl.col("lat").abs() <= 90))
    repeats = points.group_by("cadre_id", "lat", "lon").agg(pl.col("day").n_unique().alias("days")).filter(pl.col("days") > 1)
    assert set(repeats["cadre_id"]) == spoofers
    assert repeats["days"].min() >= 4


def test_too_small_a_world_is_refused(tmp_path):
    with pytest.raises(ValueError):
        write_demo_landing(tmp_path / "tiny", cadres=10)
