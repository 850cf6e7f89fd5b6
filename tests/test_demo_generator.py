# Longer than 400 lines: one test per promise of the generator (contract, planted codes, evasion levels, byte-identity).
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

from demo.generate import generate
from demo.registry import FLAG_CODES

SOURCES = ("app_logins", "checkins", "votes", "cases", "reports")
ID_COLUMN = {"app_logins": "login_id", "checkins": "checkin_id", "votes": "vote_id", "cases": "case_id", "reports": "report_id"}
TIMESTAMP = {
    "app_logins": "login_at",
    "checkins": "checkin_at",
    "votes": "voted_at",
    "cases": "updated_at",
    "reports": "submitted_at",
}


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "landing"
    generate(out, cadres=50, seed=3)
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
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_writes_identical_files_and_another_seed_does_not(landing, tmp_path):
    generate(tmp_path / "again", cadres=50, seed=3, evasion=0)  # level 0 given: the default's files
    generate(tmp_path / "other", cadres=50, seed=4)
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
                with pytest.raises(Exception):  # noqa: B017  (Polars' error type differs by format; any error will do)
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
        assert ids.len() == (
            stats["distinct_valid_ids"] + stats["redelivered_rows"] + stats.get("case_update_rows", 0) + stats["invalid_rows"]
        ), source
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
    points = (
        frames.drop_nulls(["cadre_id", "checkin_at"])
        .unique(["cadre_id", "checkin_at", "kind"])  # a re-delivered row is one fix
        .with_columns(
            pl.col("lat").cast(pl.Float64, strict=False),
            pl.col("lon").cast(pl.Float64, strict=False),
            pl.col("checkin_at").str.slice(0, 10).alias("day"),
        )
        .filter(pl.col("lat").abs() <= 90)
    )
    repeats = points.group_by("cadre_id", "lat", "lon").agg(pl.col("day").n_unique().alias("days")).filter(pl.col("days") > 1)
    assert set(repeats["cadre_id"]) == spoofers
    assert repeats["days"].min() >= 4


def test_too_small_a_world_is_refused(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path / "tiny", cadres=10)


def test_the_flag_codes_are_the_registrys_and_each_has_a_planter(tmp_path, monkeypatch):
    import demo.generate
    from demo.planting import PLANTERS
    from demo.registry import FLAG_REGISTRY

    with FLAG_REGISTRY.open(newline="") as handle:
        assert tuple(row["flag_code"] for row in csv.DictReader(handle)) == FLAG_CODES
    assert set(PLANTERS) == set(FLAG_CODES)
    # A code added to the registry before its planter is refused, naming the code and where planters live.
    monkeypatch.setattr(demo.generate, "FLAG_CODES", (*FLAG_CODES, "new_code"))
    with pytest.raises(ValueError, match="new_code.*demo/planting"):
        generate(tmp_path / "x", cadres=50)


# ==========================================================================
# The evasion dial: level 0 is the textbook data above; levels 1-3 hide the
# padding the way padders do and make the honest look-alikes harder.
# ==========================================================================
from datetime import date  # noqa: E402

import numpy as np  # noqa: E402

from demo.draw import haversine_m  # noqa: E402
from demo.evasion import EVASION_DESCRIPTIONS, EVASION_LEVELS  # noqa: E402
from demo.generate import simulate  # noqa: E402
from sources.contract import EVENT_SPECS  # noqa: E402

START = date(2026, 9, 1)
# sha256 over every landing file (path + bytes, _truth excluded) that the generator wrote for
# cadres=50, seed=3 before the dial existed: level 0 must keep writing exactly this.
LEVEL0_DIGEST = "fa15edd336834d5e0fed31d70e13e834556204549fab6bc424e9acd3d8b745a8"
# What the landing contract allows and requires, read from it (sources/contract.py).
ENUMS = {
    source: {c.name: set(c.values) for c in spec.columns if c.kind == "enum"}
    for source, spec in EVENT_SPECS.items()
    if any(c.kind == "enum" for c in spec.columns)
}
REQUIRED = {source: spec.required_columns for source, spec in EVENT_SPECS.items()}


def landing_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "_truth" not in p.relative_to(folder).parts:
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def dialled(tmp_path_factory) -> dict:
    """Landing folders at levels 1-3: 50 cadres, 30 days."""
    root = tmp_path_factory.mktemp("dial")
    for level in (1, 2, 3):
        generate(root / f"level-{level}", cadres=50, days=30, seed=3, evasion=level)
    return {level: root / f"level-{level}" for level in (1, 2, 3)}


@pytest.fixture(scope="module")
def sim() -> dict:
    """The typed, tagged events before delivery, per level (80 cadres, 40 days)."""
    return {level: simulate(80, 40, START, 21, level) for level in EVASION_LEVELS}


def local_tod(w, ts) -> np.ndarray:
    return (np.asarray(ts) - w.day_epoch[0]) % 86400


def bits(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def test_level_0_output_is_unchanged(landing):
    assert EVASION_LEVELS == (0, 1, 2, 3) and set(EVASION_DESCRIPTIONS) == set(EVASION_LEVELS)
    assert landing_digest(landing) == LEVEL0_DIGEST  # level 0 given writes these too: the test above


def test_an_unknown_level_is_refused(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path / "x", cadres=50, evasion=4)


def test_each_level_is_deterministic_and_differs_from_the_others(dialled, tmp_path):
    generate(tmp_path / "again", cadres=50, days=30, seed=3, evasion=3)
    assert digest(tmp_path / "again") == digest(dialled[3])
    assert landing_digest(dialled[1]) != landing_digest(dialled[3])


@pytest.mark.parametrize("level", [1, 2, 3])
def test_every_level_follows_the_contract(dialled, level):
    """Valid rows have their required values, domains, references and a plausible time; invalid rows are in the truth."""
    landing = dialled[level]
    summary = json.loads((landing / "_truth" / "summary.json").read_text())
    assert summary["evasion"] == level and summary["evasion_description"] == EVASION_DESCRIPTIONS[level]
    roster = set(read(landing / "reference" / "cadres.csv")["cadre_id"].drop_nulls())
    apps = set(read(landing / "reference" / "apps.csv")["app_id"].drop_nulls())
    campaigns = set(read(landing / "reference" / "campaigns.csv")["campaign_id"].drop_nulls())
    invalid = {(r["file_path"], int(r["row_number"])) for r in truth_rows(landing, "invalid.csv") if r["row_number"]}
    assert len(rejected(landing)) == 3
    for source in SOURCES:
        frames = []
        for path in event_files(landing, source):
            rel = path.relative_to(landing).as_posix()
            df = read(path).with_row_index("n", offset=1)
            df = df.filter(~pl.col("n").is_in([n for f, n in invalid if f == rel]))
            frames.append(df.with_columns(pl.lit(rel.split("/")[1][3:]).str.to_date().alias("dt")))
        df = pl.concat(frames, how="diagonal")
        assert df.height == summary["sources"][source]["rows_written"] - summary["sources"][source]["invalid_rows"]
        for col in REQUIRED[source]:
            assert df[col].null_count() == 0, (source, col)
        ts = pl.col(TIMESTAMP[source])
        parsed = (
            pl.when(ts.str.ends_with("Z"))
            .then(ts.str.replace("Z$", "+00:00"))
            .when(ts.str.contains(r"[+-]\d\d:\d\d$"))
            .then(ts)
            .otherwise(ts + "+08:00")
            .str.to_datetime("%Y-%m-%dT%H:%M:%S%:z")
            .dt.convert_time_zone("Asia/Shanghai")
            .dt.date()
        )
        lag = df.select((pl.col("dt") - parsed).dt.total_days().alias("lag"))["lag"]
        assert lag.null_count() == 0 and lag.min() >= -2 and lag.max() <= 366, source
        ref_col = "voter_id" if source == "votes" else "cadre_id"
        if source != "votes":
            assert set(df["cadre_id"]) <= roster, source
        else:
            assert set(df["target_id"]) <= roster and set(df["campaign_id"]) <= campaigns
            public = df.filter(~pl.col(ref_col).is_in(list(roster)))[ref_col]
            assert public.str.starts_with("P").all()
        if "app_id" in df.columns:
            assert set(df["app_id"]) <= apps, source
        for col, allowed in ENUMS.get(source, {}).items():
            assert set(df[col]) <= allowed, (source, col)
        if source == "checkins":
            lat, lon = df["lat"].cast(pl.Float64), df["lon"].cast(pl.Float64)
            assert lat.is_between(-90, 90).all() and lon.is_between(-180, 180).all()
            assert (df["accuracy_m"].cast(pl.Float64) >= 0).all()
            assert df["photo_hash"].drop_nulls().str.contains(r"^[0-9a-f]{16}$").all()
        if source == "app_logins":
            assert (df["actions"].drop_nulls().cast(pl.Int64) >= 0).all()
        if source == "reports":
            assert (df["value"].cast(pl.Float64) >= 0).all()
            assert df["period"].str.contains(r"^\d{4}-\d\d$").all()


def test_every_code_is_planted_on_several_cadres_and_no_lookalike_is_planted(dialled, tmp_path):
    generate(tmp_path / "default", evasion=3)  # the default size, 200 cadres
    for landing in [*dialled.values(), tmp_path / "default"]:
        flags = truth_rows(landing, "flags.csv")
        per_code = Counter(r["flag_code"] for r in flags)
        assert set(per_code) == set(FLAG_CODES) and min(per_code.values()) >= 2
        planted = {r["cadre_id"] for r in flags}
        assert len(planted) == len(flags), "a cadre is planted for at most one code"
        lookalikes = truth_rows(landing, "lookalikes.csv")
        assert lookalikes and not planted & {r["cadre_id"] for r in lookalikes}
    assert min(Counter(r["flag_code"] for r in truth_rows(tmp_path / "default", "flags.csv")).values()) >= 3


def test_level_3_scripted_logins_spread_over_more_than_a_few_seconds_but_stay_near_their_slot(sim):
    for level, most in ((1, 8), (3, 50)):
        w, roles, tables = sim[level]
        t = tables["app_logins"]
        for c in roles.planted["scripted_login"]:
            rows = np.nonzero((t["_c"] == c) & (t["_tag"] == "scripted"))[0]
            tod = np.sort(local_tod(w, t["login_at"][rows]))
            assert (t["actions"][rows] == 0).all() and len(rows) >= 12
            # a moved slot splits the times in two groups minutes apart; each group is one slot
            jump = np.argmax(np.diff(tod)) + 1
            groups = [tod[:jump], tod[jump:]] if np.diff(tod).max() > 240 else [tod]
            for g in groups:
                assert np.ptp(g) <= 2 * most + 1
            if level == 3:
                assert max(np.ptp(g) for g in groups) > 30, "jittered by tens of seconds"


def test_level_3_scripts_skip_weekends_and_leave_the_cadres_own_logins_around_them(sim):
    w, roles, tables = sim[3]
    t = tables["app_logins"]
    for c in roles.planted["scripted_login"]:
        days = w.day_of(t["login_at"][(t["_c"] == c) & (t["_tag"] == "scripted")])
        assert w.workday[days].all()
        assert ((t["_c"] == c) & (t["_tag"] != "scripted")).sum() > 3 * len(days)


def test_punctual_people_keep_the_mandated_time_to_minutes_not_seconds(sim):
    w, roles, tables = sim[3]
    t = tables["app_logins"]
    for c in roles.lookalikes["punctual"]:
        tod = local_tod(w, t["login_at"][(t["_c"] == c) & (t["_tag"] == "punctual")])
        assert len(tod) >= 10
        assert np.ptp(tod) > 3 * 60  # some days late by minutes
        assert np.median(np.abs(tod - np.median(tod))) > 10


def test_level_3_reused_photo_differs_from_its_original_by_1_to_5_bits(sim):
    w, roles, tables = sim[3]
    t = tables["checkins"]
    for _variant, cadres in roles.photo_variants:
        hashes = list(t["photo_hash"][np.isin(t["_c"], cadres) & (t["_tag"] == "photo_reuse")])
        assert len(hashes) >= 4
        # the original is the one photo every other copy is close to
        best = min(hashes, key=lambda h: max(bits(h, x) for x in hashes))
        distances = sorted(bits(best, x) for x in hashes if x is not best)
        assert distances[0] >= 1 and distances[-1] <= 5, distances


def test_level_1_reused_photos_are_identical_or_one_bit_apart(sim):
    w, roles, tables = sim[1]
    t = tables["checkins"]
    for _variant, cadres in roles.photo_variants:
        hashes = list(t["photo_hash"][np.isin(t["_c"], cadres) & (t["_tag"] == "photo_reuse")])
        best = min(hashes, key=lambda h: max(bits(h, x) for x in hashes))
        assert max(bits(best, x) for x in hashes) <= 1


def test_honest_photos_of_the_same_wall_are_further_apart_than_a_reused_copy(sim):
    w, roles, tables = sim[3]
    t = tables["checkins"]
    for c in roles.lookalikes["photo_backdrop"]:
        hashes = [h for h in t["photo_hash"][(t["_c"] == c) & (t["_tag"] == "backdrop")] if h]
        pairs = [bits(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
        assert min(pairs) >= 1 and np.median(pairs) > 10


def test_level_3_mock_positions_scatter_by_centimetres_to_metres_with_plausible_accuracy(sim):
    for level, most_m in ((1, 0.5), (3, 3.5)):
        w, roles, tables = sim[level]
        t = tables["checkins"]
        for c in roles.planted["gps_spoof"]:
            rows = (t["_c"] == c) & (t["_tag"] == "gps_spoof")
            lat, lon = t["lat"][rows] / 1e6, t["lon"][rows] / 1e6
            spread = haversine_m(lat, lon, lat.mean(), lon.mean())
            assert rows.sum() >= 5 and spread.max() <= most_m
            if level == 3:
                assert len(set(zip(lat, lon))) >= 0.8 * rows.sum(), "no longer an exact repeat"
                assert len(set(t["accuracy_m"][rows])) >= 0.8 * rows.sum()
                assert (t["accuracy_m"][rows] >= 50).all()  # 5 m or more, as honest fixes report


def test_honest_desk_fixes_scatter_with_their_accuracy_and_wifi_fixes_repeat_with_coarse_accuracy(sim):
    w, roles, tables = sim[3]
    t = tables["checkins"]
    for c in roles.lookalikes["desk_gps"]:
        rows = (t["_c"] == c) & (t["_tag"] == "desk_gps")
        lat, lon, acc = t["lat"][rows] / 1e6, t["lon"][rows] / 1e6, t["accuracy_m"][rows] / 10
        off = haversine_m(lat, lon, np.median(lat), np.median(lon))
        assert len(set(zip(lat, lon))) == rows.sum() and np.median(off) >= 1.0
        assert np.corrcoef(acc, off)[0, 1] > 0  # a worse fix reports a larger radius
    for c in roles.lookalikes["wifi_positioning"]:
        rows = (t["_c"] == c) & (t["_tag"] == "wifi_fix")
        spots = Counter(zip(t["lat"][rows], t["lon"][rows]))
        assert spots.most_common(1)[0][1] >= 5  # the same coordinates to the last decimal
        assert (t["accuracy_m"][rows] >= 200).all()  # 20 m or coarser


def test_level_3_proxy_punches_come_further_apart_on_fewer_days(sim):
    w, roles, tables = sim[3]
    t = tables["checkins"]
    for a, b in roles.proxy_pairs:
        rows = np.nonzero((t["_c"] == b) & (t["_tag"] == "proxy"))[0]
        assert len(rows) == 3
        for r in rows:
            day = w.day_of(t["checkin_at"][r])
            own = (t["_c"] == a) & (t["kind"] == "punch_in") & (w.day_of(t["checkin_at"]) == day)
            gap = t["checkin_at"][r] - t["checkin_at"][own].min()
            assert 8 * 60 <= gap <= 40 * 60 and t["device_id"][r] in set(t["device_id"][own])


def test_level_3_impossible_trips_are_slower_but_still_faster_than_any_road(sim):
    w, roles, tables = sim[3]
    t = tables["checkins"]
    for c in roles.planted["impossible_travel"]:
        for r in np.nonzero((t["_c"] == c) & (t["_tag"] == "impossible"))[0]:
            before = np.nonzero((t["_c"] == c) & (t["checkin_at"] < t["checkin_at"][r]))[0]
            p = before[np.argmax(t["checkin_at"][before])]
            km = haversine_m(t["lat"][p] / 1e6, t["lon"][p] / 1e6, t["lat"][r] / 1e6, t["lon"][r] / 1e6) / 1000
            kmh = km / ((t["checkin_at"][r] - t["checkin_at"][p]) / 3600)
            assert 120 <= kmh <= 300 and km >= 15


def test_level_3_stuffing_rotates_over_several_phones_and_hours_of_throwaway_accounts(sim):
    w, roles, tables = sim[3]
    t = tables["votes"]
    for target in roles.planted["vote_stuffing"]:
        rows = (t["_c"] == target) & (t["_tag"] == "stuffing")
        for k in set(t["campaign_id"][rows]):
            burst = rows & (t["campaign_id"] == k)
            votes = burst & (t["action"] == "vote")
            assert len(set(t["device_id"][burst])) >= 3
            assert len(set(t["voter_id"][votes])) == votes.sum()  # one vote per throwaway account
            assert np.ptp(t["voted_at"][burst]) >= 90 * 60


def test_level_3_rings_of_three_interact_less_often_through_likes_and_shares_too(sim):
    w, roles, tables = sim[3]
    t = tables["votes"]
    actions = Counter()
    for ring in roles.rings:
        assert len(ring) == 3
        rows = t["_tag"] == "ring"
        mine = rows & np.isin(t["_c"], ring)
        actions.update(t["action"][mine])
        pairs_per_campaign = Counter((k, v, c) for k, v, c in zip(t["campaign_id"][mine], t["voter_id"][mine], t["_c"][mine]))
        assert len({k for k, _, _ in pairs_per_campaign}) <= 3
        # ring members also vote like everybody else
        assert (np.isin(t["voter_id"], w.cadre_id[ring]) & (t["_tag"] != "ring")).any()
    assert {"vote", "like", "share"} <= set(actions)


def test_level_3_invents_only_part_of_the_amounts_and_rounds_them(sim):
    w, roles, tables = sim[3]
    t = tables["reports"]
    funds = t["metric"] == "funds_disbursed_yuan"
    for c in roles.planted["fabricated_report"]:
        mine = funds & (t["_c"] == c)
        invented = mine & (t["_tag"] == "fabricated")
        assert 0.15 <= invented.sum() / mine.sum() <= 0.5
        assert (t["value"][invented] % 1000 == 0).all()  # whole tens of yuan, in cents
        assert len(set(t["value"][invented])) == invented.sum(), "no copied figures"
        assert (t["value"][mine & ~invented] % 100 != 0).mean() > 0.8  # the real ones keep their fen


def test_honest_round_subsidies_are_a_standard_amount_times_households(sim):
    w, roles, tables = sim[3]
    t = tables["reports"]
    for c in roles.lookalikes["round_subsidy"]:
        rows = (t["_c"] == c) & (t["_tag"] == "subsidy")
        assert rows.any() and (t["value"][rows] % 5000 == 0).all()


def test_level_3_padded_cases_are_spread_over_days_and_claims_sit_beside_real_visits(sim):
    w, roles, tables = sim[3]
    cases = tables["cases"]
    opened = cases["status"] == "open"
    for i, c in enumerate(roles.planted["padded_cases"]):
        tag = "bulk" if i % 2 == 0 else "claimed_no_visit"
        rows = opened & (cases["_c"] == c) & (cases["_tag"] == tag)
        assert len(set(w.day_of(cases["opened_at"][rows]))) >= 3
    checkins = tables["checkins"]
    for c in roles.planted["padded_cases"][1::2]:
        days = set(w.day_of(cases["opened_at"][opened & (cases["_c"] == c) & (cases["_tag"] == "claimed_no_visit")]))
        visit_days = set(w.day_of(checkins["checkin_at"][(checkins["_c"] == c) & (checkins["kind"] == "field_visit")]))
        assert days & visit_days or not days & set(np.nonzero(w.present[c])[0])


def test_lookalikes_get_harder_as_the_dial_goes_up(sim):
    kinds = {level: {k for k, v in sim[level][1].lookalikes.items() if v} for level in (1, 2, 3)}
    assert kinds[1] <= kinds[2] <= kinds[3]
    assert {"punctual", "desk_gps", "wifi_positioning", "round_subsidy", "popular"} <= kinds[1]
    assert {"service_day", "photo_backdrop", "expressway"} <= kinds[3]
    w1, w3 = sim[1][0], sim[3][0]
    assert np.bincount(w3.cadre_unit).min() == 3 and np.bincount(w1.cadre_unit).min() == 4  # small units
    assert all(len(sim[level][1].family_pairs) >= 1 for level in (1, 2, 3))


def test_the_curve_table_has_a_row_per_code_a_total_and_names_a_failed_build():
    from demo.evaluation import FLAG_CODES as CODES
    from demo.evaluation import format_levels, score

    truth = {("gps_spoof", "C1"), ("vote_ring", "C2"), ("vote_ring", "C3")}
    table = format_levels(
        {
            0: score(truth, {("gps_spoof", "C1"), ("vote_ring", "C2")}),
            3: score(truth, {("gps_spoof", "C9")}),
            2: "error: step warehouse_models failed",
        }
    )
    lines = table.splitlines()
    assert "L0 P/R" in lines[0] and "L3 P/R" in lines[0]
    rows = {line.split("|")[0].strip(): [c.strip() for c in line.split("|")[1:]] for line in lines if "|" in line}
    assert set(CODES) | {"total", "flag_code"} == set(rows)
    assert rows["vote_ring"] == ["1.00/0.50", "0.00/0.00", "failed"]
    assert rows["total"] == ["1.00/0.67", "0.00/0.00", "failed"]
    assert "level 2: the build failed: error: step warehouse_models failed" in table
