# Longer than 400 lines: one test per way a landing file can be bad, each with its hand-made input.
"""Issue 11, data side: one bad value, byte, line or folder never stops a build or loses data.

The first tests call the ingest functions in-process on small landing folders
(each in milliseconds); the last two build a hostile landing folder through
the real CLI, twice (the second time with an emptied day and a broken
reference snapshot), and read the warehouse.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import build, fingertip, ingest_in_one_run, query

from orchestration.settings import SettingError, plausible_window_days
from sources.contract import EVENT_SPECS
from sources.landing import read_text_frame
from sources.validation import validate
from storage.lake import ensure_schema_files, load_delivery_day, load_reference, reference_ids, reference_problem

DAY = "2026-09-14"
CADRES = "cadre_id,full_name,unit_id,position,hired_on,active\nC1,Li Wei,U1,clerk,2020-03-01,true\nC2,Wang Fang,U1,head,2019-01-01,true\n"
APPS = "app_id,app_name,owner_department,function_category,mandatory\nA1,Punch,HR,attendance,true\n"
UNITS = "unit_id,unit_name,county,office_lat,office_lon\nU1,Town A,Xushui,38.9123,115.8712\n"
CAMPAIGNS_HEADER_ONLY = "campaign_id,title,kind,mandatory,starts_on,ends_on\n"
LOGIN_HEADER = "login_id,cadre_id,app_id,device_id,ip,login_at,logout_at,actions"


def login(n: int, at: str = "2026-09-14T08:00:00+08:00", actions: object = 1, cadre: str = "C1") -> dict:
    return {
        "login_id": f"L{n}",
        "cadre_id": cadre,
        "app_id": "A1",
        "device_id": "dev-1",
        "ip": "10.0.0.1",
        "login_at": at,
        "logout_at": None,
        "actions": actions,
    }


def case_row(n: int, rating: object) -> dict:
    return {
        "case_id": f"S{n}",
        "cadre_id": "C1",
        "category": "subsidy",
        "opened_at": "2026-09-14T09:40:00+08:00",
        "first_reply_at": None,
        "closed_at": "2026-09-14T10:40:00+08:00",
        "status": "resolved",
        "field_visit_claimed": "false",
        "resident_rating": rating,
        "location_lat": None,
        "location_lon": None,
        "updated_at": "2026-09-14T10:40:00+08:00",
    }


def jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def reference_landing(root: Path) -> Path:
    write(root / "reference/cadres.csv", CADRES)
    write(root / "reference/apps.csv", APPS)
    write(root / "reference/units.csv", UNITS)
    write(root / "reference/campaigns.csv", CAMPAIGNS_HEADER_ONLY)
    return root


@pytest.fixture
def folders(tmp_path):
    landing, lake = reference_landing(tmp_path / "landing"), tmp_path / "lake"
    ensure_schema_files(lake)
    load_reference(landing, lake)
    return landing, lake


def books(lake: Path, source: str, key: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    audit = lake / "_audit" / source / f"{key}.parquet"
    quarantine = lake / "_quarantine" / source / f"{key}.parquet"
    return (
        pl.read_parquet(audit) if audit.exists() else pl.DataFrame(),
        pl.read_parquet(quarantine) if quarantine.exists() else pl.DataFrame(),
    )


def day_rows(lake: Path, source: str, dt: str = DAY) -> pl.DataFrame:
    path = lake / source / f"dt={dt}" / "data.parquet"
    return pl.read_parquet(path) if path.exists() else pl.DataFrame()


# ------------------------------------------------------------- item 2: one bad value


def test_overflowing_and_absurd_numbers_are_quarantined_as_their_row(folders):
    landing, lake = folders
    write(
        landing / f"app_logins/dt={DAY}/a.csv",
        f"{LOGIN_HEADER}\nL1,C1,A1,d,i,2026-09-14T08:00:00,,99999999999999999999\nL2,C1,A1,d,i,2026-09-14T08:00:00,,3\n",
    )
    write(landing / f"cases/dt={DAY}/c.jsonl", jsonl([case_row(1, 1e19), case_row(2, 5)]))
    known = reference_ids(lake)
    load_delivery_day(landing, lake, "app_logins", DAY, known)
    load_delivery_day(landing, lake, "cases", DAY, known)
    assert day_rows(lake, "app_logins")["login_id"].to_list() == ["L2"]
    assert day_rows(lake, "cases")["case_id"].to_list() == ["S2"]
    _, logins_q = books(lake, "app_logins", DAY)
    assert logins_q.select("file_path", "row_number").rows() == [("app_logins/dt=2026-09-14/a.csv", 1)]
    assert "absurd magnitude" in logins_q["reason"][0] and "99999999999999999999" in logins_q["reason"][0]
    _, cases_q = books(lake, "cases", DAY)
    assert cases_q["file_path"].to_list() == ["cases/dt=2026-09-14/c.jsonl"]
    assert cases_q["reason"][0] == "absurd magnitude (beyond 1e+15): resident_rating='10000000000000000000'"


def test_a_bit_flipped_gzip_stream_rejects_that_file_only(folders):
    landing, lake = folders
    payload = bytearray(gzip.compress(jsonl([login(n) for n in range(400)]).encode(), mtime=0))
    middle = len(payload) // 2
    for i in range(middle, middle + 64):
        payload[i] ^= 0xFF
    write(landing / f"app_logins/dt={DAY}/broken.jsonl.gz", bytes(payload))
    write(landing / f"app_logins/dt={DAY}/good.jsonl", jsonl([login(1000)]))
    summary = load_delivery_day(landing, lake, "app_logins", DAY, reference_ids(lake))
    audit, quarantine = books(lake, "app_logins", DAY)
    rejected = audit.filter(pl.col("status") == "rejected")
    assert rejected["file_path"].to_list() == ["app_logins/dt=2026-09-14/broken.jsonl.gz"]
    assert rejected["error"][0].startswith("unreadable .jsonl.gz file")
    assert quarantine.filter(pl.col("row_number").is_null()).height == 1
    assert day_rows(lake, "app_logins")["login_id"].to_list() == ["L1000"]
    assert summary.files_rejected == 1


def test_one_non_json_line_is_a_quarantined_row_and_the_rest_load(folders):
    landing, lake = folders
    lines = [json.dumps(login(n)) for n in range(43)]
    lines[20] = "this is not json"
    write(landing / f"app_logins/dt={DAY}/part-0.jsonl", "\n".join(lines) + "\n")
    load_delivery_day(landing, lake, "app_logins", DAY, reference_ids(lake))
    audit, quarantine = books(lake, "app_logins", DAY)
    assert audit.select("rows_read", "rows_valid", "rows_quarantined", "status").row(0) == (43, 42, 1, "loaded")
    assert quarantine.select("row_number", "raw").row(0) == (21, "this is not json")
    assert quarantine["reason"][0].startswith("line 21 not a JSON object")


def test_a_file_of_no_json_at_all_is_rejected_not_forty_bad_rows(folders):
    landing, lake = folders
    write(landing / f"app_logins/dt={DAY}/x.jsonl", "login_id,cadre_id\nL1,C1\n")
    load_delivery_day(landing, lake, "app_logins", DAY, reference_ids(lake))
    audit, _ = books(lake, "app_logins", DAY)
    assert audit["status"][0] == "rejected" and audit["error"][0].startswith("not JSON Lines")


def test_colliding_extra_columns_are_ignored_and_colliding_contract_columns_reject(folders):
    landing, lake = folders
    write(landing / f"app_logins/dt={DAY}/extra.csv", f"{LOGIN_HEADER},Note,note\nL1,C1,A1,d,i,2026-09-14T08:00:00,,1,a,b\n")
    write(landing / f"app_logins/dt={DAY}/ambiguous.csv", f"{LOGIN_HEADER},Cadre_ID\nL2,C1,A1,d,i,2026-09-14T08:00:00,,1,C2\n")
    load_delivery_day(landing, lake, "app_logins", DAY, reference_ids(lake))
    audit, _ = books(lake, "app_logins", DAY)
    status = dict(zip(audit["file_path"], audit["status"]))
    assert status["app_logins/dt=2026-09-14/extra.csv"] == "loaded"
    assert status["app_logins/dt=2026-09-14/ambiguous.csv"] == "rejected"
    error = audit.filter(pl.col("status") == "rejected")["error"][0]
    assert "colliding columns 'cadre_id', 'Cadre_ID'" in error and "ambiguous" in error
    assert day_rows(lake, "app_logins")["login_id"].to_list() == ["L1"]


def test_a_record_with_more_fields_than_the_header_is_one_quarantined_row(tmp_path):
    path = write(tmp_path / "a.csv", f"{LOGIN_HEADER}\nL1,C1,A1,d,i,2026-09-14T08:00:00,,1\nL2,C1,A1,d,i,x,y,1,surplus\n")
    frame = read_text_frame(path, EVENT_SPECS["app_logins"].column_names)
    checked = validate(frame, EVENT_SPECS["app_logins"], "a.csv", {"cadres": {"C1"}, "apps": {"A1"}}, date(2026, 9, 14))
    assert checked.valid["login_id"].to_list() == ["L1"]
    assert checked.quarantine.select("row_number", "reason").row(0) == (2, "record has 9 fields, the header has 8")


# ------------------------------------------------------------- item 3: plausible window


@pytest.mark.parametrize(
    "moment",
    [
        "1900-01-01T00:00:00+08:00",
        "2999-12-31T23:59:59+08:00",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59-12:00",
        "2025-09-12T23:59:59",
        "2026-09-17T00:00:00",
    ],
)
def test_an_event_outside_the_plausible_window_is_quarantined(moment):
    frame = pl.DataFrame([{k: (None if v is None else str(v)) for k, v in login(1, at=moment).items()}])
    frame = frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    checked = validate(frame, EVENT_SPECS["app_logins"], "a.csv", {"cadres": {"C1"}, "apps": {"A1"}}, date(2026, 9, 14))
    assert checked.valid.height == 0
    assert (
        "login_at outside the plausible window for delivery day 2026-09-14 (366 days before to 2 days after)"
        in checked.quarantine["reason"][0]
    )


@pytest.mark.parametrize("moment", ["2025-09-13T00:00:00", "2026-09-16T23:59:59.999", "2026-09-16T15:59:59Z"])
def test_the_window_edges_are_inside(moment):
    frame = pl.DataFrame([{k: (None if v is None else str(v)) for k, v in login(1, at=moment).items()}])
    frame = frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    checked = validate(frame, EVENT_SPECS["app_logins"], "a.csv", {"cadres": {"C1"}, "apps": {"A1"}}, date(2026, 9, 14))
    assert checked.quarantine.height == 0


def test_the_window_is_a_setting(monkeypatch):
    assert plausible_window_days() == (366, 2)
    monkeypatch.setenv("FINGERTIP_WINDOW_DAYS_AFTER", "30")
    monkeypatch.setenv("FINGERTIP_WINDOW_DAYS_BEFORE", "7")
    assert plausible_window_days() == (7, 30)
    frame = pl.DataFrame([{k: (None if v is None else str(v)) for k, v in login(1, at="2026-10-01T08:00:00").items()}])
    frame = frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    checked = validate(
        frame,
        EVENT_SPECS["app_logins"],
        "a.csv",
        {"cadres": {"C1"}, "apps": {"A1"}},
        date(2026, 9, 14),
        window_days=plausible_window_days(),
    )
    assert checked.valid.height == 1
    monkeypatch.setenv("FINGERTIP_WINDOW_DAYS_AFTER", "soon")
    with pytest.raises(SettingError, match="FINGERTIP_WINDOW_DAYS_AFTER='soon'"):
        plausible_window_days()


def test_great_expectations_still_checks_the_same_window():
    """A row that got past the validator (here: written straight into a batch) fails the GX check."""
    from storage.batch_expectations import validate_batch
    from storage.lake import lake_schema

    spec = EVENT_SPECS["app_logins"]
    row = {
        "login_id": "L1",
        "cadre_id": "C1",
        "app_id": "A1",
        "device_id": "d",
        "ip": "i",
        "login_at": datetime(2026, 10, 1, 7, 30),
        "logout_at": None,
        "actions": 1,
        "_file": "f.csv",
        "_row": 1,
        "_dt": date(2026, 9, 14),
    }
    outcome = validate_batch(spec, pl.DataFrame([row], schema=lake_schema(spec)), plausible_window_days())
    assert not outcome["success"]
    # The failure names the column and counts its rows (GX validates a failed batch again for the counts).
    assert "expect_column_values_to_be_between(login_at__days_from_delivery): unexpected 1" in outcome["failures"]


# ------------------------------------------------------------- item 5: nothing disappears silently


def test_an_empty_day_folder_keeps_the_days_earlier_data_and_warns(folders):
    landing, lake = folders
    write(landing / f"app_logins/dt={DAY}/part-0.jsonl", jsonl([login(1), login(2)]))
    known = reference_ids(lake)
    load_delivery_day(landing, lake, "app_logins", DAY, known)
    (landing / f"app_logins/dt={DAY}/part-0.jsonl").unlink()  # mid-upload: the folder is there, empty
    summary = load_delivery_day(landing, lake, "app_logins", DAY, known, clear_empty=False)
    assert day_rows(lake, "app_logins").height == 2
    assert any("is empty: the day's earlier lake data (2 rows) is kept" in w for w in summary.warnings)
    audit, _ = books(lake, "app_logins", DAY)
    status = dict(zip(audit["file_path"], audit["status"]))
    assert status == {"app_logins/dt=2026-09-14/part-0.jsonl": "loaded", "app_logins/dt=2026-09-14/": "skipped"}
    # Asked to, the day is cleared.
    load_delivery_day(landing, lake, "app_logins", DAY, known, clear_empty=True)
    assert day_rows(lake, "app_logins").height == 0


def test_a_day_whose_files_are_all_rejected_keeps_its_earlier_data(folders):
    landing, lake = folders
    target = write(landing / f"app_logins/dt={DAY}/part-0.csv", f"{LOGIN_HEADER}\nL1,C1,A1,d,i,2026-09-14T08:00:00,,1\n")
    known = reference_ids(lake)
    load_delivery_day(landing, lake, "app_logins", DAY, known)
    target.write_bytes(b"login_id,cadre_id\n\xff\xfe broken upload")
    summary = load_delivery_day(landing, lake, "app_logins", DAY, known, clear_empty=False)
    assert day_rows(lake, "app_logins")["login_id"].to_list() == ["L1"]
    assert any("has no file that could be loaded" in w and "FINGERTIP_CLEAR_EMPTY_DAYS" in w for w in summary.warnings)
    _, quarantine = books(lake, "app_logins", DAY)
    rejection = quarantine.filter(pl.col("row_number").is_null())["reason"].to_list()
    assert len(rejection) == 1 and "not UTF-8" in rejection[0] and "earlier lake data (1 rows) is kept" in rejection[0]


def test_a_hidden_file_gets_a_skipped_audit_row(folders):
    landing, lake = folders
    write(landing / f"app_logins/dt={DAY}/part-0.jsonl", jsonl([login(1)]))
    write(landing / f"app_logins/dt={DAY}/.hidden.csv", f"{LOGIN_HEADER}\nL9,C1,A1,d,i,2026-09-14T08:00:00,,1\n")
    summary = load_delivery_day(landing, lake, "app_logins", DAY, reference_ids(lake))
    audit, _ = books(lake, "app_logins", DAY)
    hidden = audit.filter(pl.col("file_path") == "app_logins/dt=2026-09-14/.hidden.csv")
    assert hidden.select("status", "rows_read").row(0) == ("skipped", None)
    assert "hidden file" in hidden["error"][0]
    assert summary.files_skipped == 1 and day_rows(lake, "app_logins")["login_id"].to_list() == ["L1"]


def alike_files(landing: Path) -> None:
    """One day of logins in five files: three alike CSV files (valid and invalid rows, one
    empty), a JSONL file and a CSV file with an extra column (each read with other columns)."""
    day = landing / f"app_logins/dt={DAY}"
    write(day / "part-0.csv", f"{LOGIN_HEADER}\nL1,C1,A1,d,i,2026-09-14T08:00:00,,3\nL2,C9,A1,d,i,2026-09-14T09:00,,1\n")
    write(day / "part-1.csv", f"{LOGIN_HEADER}\nL3,C2,A1,d,i,2026-09-14T08:00:00Z,,-1\nL4,C2,A1,d,i,14/09/2026,,1\n")
    write(day / "part-2.csv", f"{LOGIN_HEADER}\n")
    write(day / "part-3.jsonl", jsonl([login(5), login(6, at="1900-01-01T00:00:00")]))
    write(day / "part-4.csv", f"{LOGIN_HEADER},note\nL7,C1,A1,d,i,2026-09-14T10:00:00+0800,,1,x\n")


def test_a_days_files_validated_together_give_what_each_file_gives_alone(folders):
    from sources.landing import delivery_files
    from storage.lake import _load_file, _load_files

    landing, lake = folders
    alike_files(landing)
    files = delivery_files(landing, "app_logins", DAY, include_hidden=True)
    at, known, spec = datetime(2026, 9, 14, 12), reference_ids(lake), EVENT_SPECS["app_logins"]
    together = _load_files(files, spec, known, at)
    alone = [_load_file(file, spec, known, at) for file in files]
    assert [audit for _, audit, _ in together] == [audit for _, audit, _ in alone]
    assert [audit["rows_quarantined"] for _, audit, _ in together] == [1, 2, 0, 1, 0]
    for (valid, _, quarantine), (valid_alone, _, quarantine_alone) in zip(together, alone, strict=True):
        assert valid.equals(valid_alone) and quarantine.equals(quarantine_alone)


def test_a_fault_no_rule_foresaw_rejects_its_own_file_and_not_the_files_validated_with_it(folders, monkeypatch):
    import storage.lake

    landing, lake = folders
    alike_files(landing)

    def validate_that_breaks_on_l3(frame, *args, **kwargs):
        if "L3" in frame["login_id"].to_list():
            raise pl.exceptions.ComputeError("an engine fault")
        return validate(frame, *args, **kwargs)

    monkeypatch.setattr(storage.lake, "validate", validate_that_breaks_on_l3)
    load_delivery_day(landing, lake, "app_logins", DAY, reference_ids(lake))
    audit, _ = books(lake, "app_logins", DAY)
    assert audit.sort("file_path").select("status", "error").rows() == [
        ("loaded", None),
        ("rejected", "cannot be validated: ComputeError: an engine fault"),
        ("loaded", None),
        ("loaded", None),
        ("loaded", None),
    ]
    assert sorted(day_rows(lake, "app_logins")["login_id"].to_list()) == ["L1", "L5", "L7"]


@pytest.mark.parametrize(
    ("broken", "cause"),
    [
        (CADRES.replace("Li Wei", "Li \xff Wei").encode("latin-1"), "not UTF-8"),
        (CADRES.replace("cadre_id,", "id,"), "missing required column(s): cadre_id"),
    ],
)
def test_a_bad_reference_snapshot_keeps_the_last_good_one_and_names_the_cause(folders, broken, cause):
    landing, lake = folders
    write(landing / "reference/cadres.csv", broken)
    summaries = load_reference(landing, lake)
    assert sorted(reference_ids(lake)["cadres"].to_list()) == ["C1", "C2"]
    warning = summaries["cadres"].warnings[0]
    assert warning.startswith("reference/cadres.csv not used (") and cause in warning
    assert "the last good snapshot (2 rows) is kept" in warning
    _, quarantine = books(lake, "reference", "cadres")
    assert any(cause in reason for reason in quarantine["reason"].to_list())


def test_without_an_earlier_snapshot_the_cause_is_named(tmp_path):
    landing, lake = reference_landing(tmp_path / "landing"), tmp_path / "lake"
    write(landing / "reference/cadres.csv", CADRES.replace("cadre_id,", "id,"))
    ensure_schema_files(lake)
    load_reference(landing, lake)
    assert reference_problem(lake, "cadres") == "reference/cadres.csv was rejected: missing required column(s): cadre_id"
    assert reference_problem(lake, "campaigns") is None  # header only: a valid, empty snapshot


# ------------------------------------------------------------- end to end, through the CLI


def hostile_landing(root: Path) -> Path:
    """The faults of issue 11's table that belong to the data, in one landing folder."""
    reference_landing(root)  # campaigns.csv is header-only, and there is no votes/ folder
    day = root / f"app_logins/dt={DAY}"
    write(
        day / "part-0.csv",
        f"{LOGIN_HEADER},Note,note\n"
        "L1,C1,A1,d,i,2026-09-14T08:00:00,2026-09-14T08:10:00,3,a,b\n"
        "L2,C2,A1,d,i,2026-09-14T09:00:00,,99999999999999999999,a,b\n"
        "L3,C1,A1,d,i,1900-01-01T00:00:00,,1,,\n"
        "L4,C1,A1,d,i,2999-12-31T23:59:59,,1,,\n"
        "L5,C1,A1,d,i,0001-01-01T00:00:00,,1,,\n"
        "L6,C1,A1,d,i,9999-12-31T23:59:59,,1,,\n",
    )
    lines = [json.dumps(login(100 + n, cadre="C2")) for n in range(43)]
    lines[7] = "{not json"
    write(day / "part-1.jsonl", "\n".join(lines) + "\n")
    flipped = bytearray(gzip.compress(jsonl([login(500 + n) for n in range(300)]).encode(), mtime=0))
    for i in range(len(flipped) // 2, len(flipped) // 2 + 64):
        flipped[i] ^= 0xFF
    write(day / "part-2.jsonl.gz", bytes(flipped))
    write(day / ".hidden.csv", f"{LOGIN_HEADER}\nL9,C1,A1,d,i,2026-09-14T08:00:00,,1\n")
    write(root / f"cases/dt={DAY}/part-0.jsonl", jsonl([case_row(1, 1e19), case_row(2, 4)]))
    (root / "app_logins/dt=2026-09-15").mkdir(parents=True)  # present but empty
    return root


@pytest.fixture(scope="module")
def hostile_builds(tmp_path_factory):
    """Build once; then empty a day that had data and break cadres.csv, and build again."""
    workdir = tmp_path_factory.mktemp("hostile")
    landing = hostile_landing(workdir / "landing")
    first = build(landing, workdir)
    first_audit = query(
        workdir / "warehouse.duckdb",
        "select file_path, rows_read, rows_loaded, rows_duplicate, rows_quarantined, status, error from ops.load_audit",
    )
    first_quarantine = query(workdir / "warehouse.duckdb", "select file_path, row_number, reason, raw from ops.quarantine")
    first_months = query(
        workdir / "warehouse.duckdb", "select cadre_id, strftime(month, '%Y-%m') from marts.cadre_monthly order by all"
    )
    for child in (landing / f"cases/dt={DAY}").iterdir():
        child.unlink()  # the day is present but empty now
    write(landing / "reference/cadres.csv", CADRES.replace("cadre_id,", "id,"))
    second = build(landing, workdir)
    return {
        "workdir": workdir,
        "first": first,
        "second": second,
        "audit": first_audit,
        "quarantine": first_quarantine,
        "months": first_months,
    }


def test_a_hostile_landing_folder_builds_and_every_fault_is_booked(hostile_builds):
    audit = {row[0]: row[1:] for row in hostile_builds["audit"]}
    # The CSV: extra columns Note/note ignored; an overflow and four absurd dates quarantined.
    assert audit["app_logins/dt=2026-09-14/part-0.csv"][:5] == (6, 1, 0, 5, "loaded")
    # One non-JSON line of 43: counted, quarantined; 42 loaded.
    assert audit["app_logins/dt=2026-09-14/part-1.jsonl"][:5] == (43, 42, 0, 1, "loaded")
    assert audit["app_logins/dt=2026-09-14/part-2.jsonl.gz"][4] == "rejected"
    assert audit["app_logins/dt=2026-09-14/.hidden.csv"][4:6] == ("skipped", audit["app_logins/dt=2026-09-14/.hidden.csv"][5])
    assert "hidden file" in audit["app_logins/dt=2026-09-14/.hidden.csv"][5]
    assert audit["app_logins/dt=2026-09-15/"][4] == "skipped"
    assert audit["cases/dt=2026-09-14/part-0.jsonl"][:5] == (2, 1, 0, 1, "loaded")
    assert audit["reference/campaigns.csv"][:5] == (0, 0, 0, 0, "loaded")
    for path, (read, loaded, duplicate, quarantined, status, _) in audit.items():
        if status == "loaded":
            assert read == loaded + duplicate + quarantined, path
    reasons = {(path, number): reason for path, number, reason, _ in hostile_builds["quarantine"]}
    assert "absurd magnitude" in reasons[("app_logins/dt=2026-09-14/part-0.csv", 2)]
    for number in (3, 4, 5, 6):
        assert "login_at outside the plausible window" in reasons[("app_logins/dt=2026-09-14/part-0.csv", number)]
    assert reasons[("app_logins/dt=2026-09-14/part-1.jsonl", 8)].startswith("line 8 not a JSON object")
    assert reasons[("app_logins/dt=2026-09-14/part-2.jsonl.gz", None)].startswith("file rejected: unreadable .jsonl.gz file")
    assert "absurd magnitude (beyond 1e+15): resident_rating=" in reasons[("cases/dt=2026-09-14/part-0.jsonl", 1)]
    # Only months with data: 2 cadres x September, not 2 x 120,000 months.
    assert hostile_builds["months"] == [("C1", "2026-09"), ("C2", "2026-09")]


def test_a_second_build_keeps_an_emptied_day_and_the_last_good_cadres(hostile_builds):
    warehouse = hostile_builds["workdir"] / "warehouse.duckdb"
    assert query(warehouse, "select case_id from staging.stg_cases") == [("S2",)]
    assert sorted(query(warehouse, "select cadre_id from staging.stg_cadres")) == [("C1",), ("C2",)]
    audit = dict(query(warehouse, "select file_path, error from ops.load_audit where status = 'skipped'"))
    assert "earlier lake data (1 rows) is kept" in audit["cases/dt=2026-09-14/"]
    reasons = [r for (r,) in query(warehouse, "select reason from ops.quarantine where file_path = 'reference/cadres.csv'")]
    assert any("missing required column(s): cadre_id" in r and "last good snapshot" in r for r in reasons)
    assert query(warehouse, "select count(*) from marts.cadre_monthly") == [(2,)]


# ------------------------------------------------------------- days loaded side by side (issue 8)


def ingest_with(landing: Path, lake: Path, days_at_once: int, monkeypatch) -> dict:
    """Every source of `landing` through the real ingest assets (one Dagster run over all its days),
    `days_at_once` days validated at a time; what each asset reported."""
    from orchestration.assets import ingest

    monkeypatch.setattr(ingest, "DAYS_AT_ONCE", days_at_once)
    result = ingest_in_one_run(landing, lake, [ingest.reference_tables, *ingest.event_assets])
    assert result.success
    reported = [event.materialization for event in result.get_asset_materialization_events()]
    return {m.asset_key.to_user_string(): {key: value.value for key, value in m.metadata.items()} for m in reported}


def lake_contents(lake: Path) -> dict[str, pl.DataFrame]:
    """Every Parquet file of the lake by its path, the books without the time they were written."""
    return {
        str(path.relative_to(lake)): pl.read_parquet(path).drop(["loaded_at", "quarantined_at"], strict=False)
        for path in sorted(lake.rglob("*.parquet"))
    }


def test_days_loaded_side_by_side_give_the_lake_and_books_of_one_day_at_a_time(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    # A demo landing: every source, 14 days and late deliveries after them, planted invalid rows and broken files.
    fingertip("demo-data", "--out", str(landing), "--cadres", "40", "--days", "14", "--seed", "8")
    one_at_a_time = ingest_with(landing, tmp_path / "lake_1", 1, monkeypatch)
    side_by_side = ingest_with(landing, tmp_path / "lake_4", 4, monkeypatch)
    assert side_by_side == one_at_a_time
    assert one_at_a_time["app_logins"]["days"] >= 14 and one_at_a_time["app_logins"]["rows_quarantined"] > 0
    first, second = lake_contents(tmp_path / "lake_1"), lake_contents(tmp_path / "lake_4")
    assert first.keys() == second.keys()
    for path, frame in first.items():
        assert frame.equals(second[path]), path


def test_loads_of_one_day_at_once_take_turns_and_the_later_ones_find_the_first_ones_receipt(folders):
    """`fingertip run` beside a run of `dagster dev`, both loading this day: one loads it, the
    others wait for it and find the day loaded (its receipt vouches for the files it wrote)."""
    from concurrent.futures import ThreadPoolExecutor

    landing, lake = folders
    write(landing / f"app_logins/dt={DAY}/a.csv", f"{LOGIN_HEADER}\nL1,C1,A1,d,i,2026-09-14T08:00:00,,3\n")
    known = reference_ids(lake)
    with ThreadPoolExecutor(4) as pool:
        summaries = list(pool.map(lambda _: load_delivery_day(landing, lake, "app_logins", DAY, known), range(4)))
    assert sorted(summary.unchanged for summary in summaries) == [False, True, True, True]
    assert day_rows(lake, "app_logins")["login_id"].to_list() == ["L1"]
