"""Each flag code on a hand-made clear case, next to the honest look-alikes it must stay silent on.

One landing folder (tests/handmade_flags.py) holds every scenario, each on its
own cadres (C201xx proxy_checkin ... C209xx fabricated_report, and C210xx real
vote counts nobody made up), and is built once with the real CLI. For each code
the test asserts the exact set of cadres flagged in the whole folder: the padded
record is flagged, and neither its look-alikes, nor the colleagues and
background around them, are.
"""

from __future__ import annotations

import csv
import re

import pytest
from conftest import build, query
from handmade_flags import write_landing

TIME = re.compile(r"\d{2}:\d{2}:\d{2}")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("detection_cases")
    write_landing(workdir / "landing")
    build(workdir / "landing", workdir)
    return workdir / "warehouse.duckdb"


@pytest.fixture(scope="module")
def flags(warehouse) -> list[dict]:
    columns = ("flag_code", "cadre_id", "subject_id", "severity", "evidence", "first_seen", "last_seen")
    rows = query(warehouse, f"select {', '.join(columns)} from marts.padding_flags order by flag_code, cadre_id")
    return [dict(zip(columns, row)) for row in rows]


def flagged(flags: list[dict], code: str) -> set[str]:
    return {flag["cadre_id"] for flag in flags if flag["flag_code"] == code}


def the_flag(flags: list[dict], code: str, cadre_id: str) -> dict:
    (flag,) = [f for f in flags if f["flag_code"] == code and f["cadre_id"] == cadre_id]
    return flag


def test_every_scenario_row_is_loaded(warehouse):
    """A look-alike that stays silent because its rows were quarantined would prove nothing."""
    assert query(warehouse, "select count(*) from ops.quarantine") == [(0,)]
    assert query(warehouse, "select count(*) from ops.load_audit where status <> 'loaded'") == [(0,)]


def test_proxy_checkin_flags_the_covered_cadre_not_colleagues_on_their_own_phones_a_borrowed_or_handed_down_phone(flags):
    # C20101: C20103's phone dev-20103 punches in for it 9-12 min after its owner, on 4 days.
    # Silent: C20102 punches in 40 s after C20104 every day, on its own phone;
    # C20105 borrows C20104's phone on 2 days (flat battery); C20106's old phone
    # goes to C20107 three weeks after C20106 last used it; the owners C20103, C20104.
    assert flagged(flags, "proxy_checkin") == {"C20101"}
    flag = the_flag(flags, "proxy_checkin", "C20101")
    assert flag["subject_id"] == "dev-20103"
    assert flag["severity"] == "medium"  # 4 days: at the threshold of 3, under the 6 of "high"
    evidence = flag["evidence"]
    assert "dev-20103" in evidence and "usually C20103's" in evidence
    assert "on 2026-09-08, 11 m 3 s apart" in evidence
    assert "same pattern on 4 days up to 2026-09-17" in evidence
    assert len(TIME.findall(evidence)) == 2  # both punch times of the example day


def test_impossible_travel_flags_a_50_km_jump_in_ten_minutes_not_car_trips_a_poor_fix_a_train_or_a_flight(flags):
    # C20201: a field visit 50 km from the office 10 min after punching in there, on 3 days.
    # Silent: C20202 drives 25 km in 32 min and 40 km in 23 min (104 km/h), punches
    # twice 5 s apart, and gets an 11 km-off fix with a 2,500 m accuracy radius
    # 2 min after a punch; C20203 goes 250 km by train in 1 h 30 (167 km/h) and
    # 1,800 km by air in 4 h.
    assert flagged(flags, "impossible_travel") == {"C20201"}
    flag = the_flag(flags, "impossible_travel", "C20201")
    assert flag["severity"] == "high"  # 3 impossible legs
    evidence = flag["evidence"]
    assert "2026-09-09 08:29:05" in evidence
    assert "50.0 km away 10 m 0 s later" in evidence
    assert "300 km/h" in evidence and "exceeds 150 km/h" in evidence
    assert "3 such jump(s) on 3 day(s)" in evidence


def test_photo_reuse_flags_a_stored_photo_not_a_retry_a_cached_photo_dark_frames_or_a_desk_photographed_daily(flags):
    # C20301: photo 9c4e1f00a37b52d8 on 3 Tuesdays, a copy 2 bits away on a 4th.
    # Silent: C20302's app re-sends one photo 3 times on one day, sends one photo
    # on 2 days, has dark frames (0 or 2 bits set) on 3 days - identical to
    # colleague C20303's dark frames - and photographs its desk afresh on 5 days
    # (7 bits from the first, 14 from each other).
    assert flagged(flags, "photo_reuse") == {"C20301"}
    flag = the_flag(flags, "photo_reuse", "C20301")
    assert flag["subject_id"] == "9c4e1f00a37b52d8"
    assert flag["severity"] == "medium"
    evidence = flag["evidence"]
    assert "9c4e1f00a37b52d8" in evidence
    assert "at most 2 of 64 bits different" in evidence
    assert "on 4 different days between 2026-09-08 and 2026-09-29" in evidence


def test_gps_spoof_flags_a_replayed_position_not_office_jitter_a_cached_fix_or_a_rounded_feed(flags):
    # C20401: the same 6-decimal position on 5 days in a row.
    # Silent: C20402's fixes jitter by metres around the office, and one cached
    # fix is re-sent on the next 2 days (3 days); C20403's phone rounds to 4
    # decimals, the same text every day.
    assert flagged(flags, "gps_spoof") == {"C20401"}
    flag = the_flag(flags, "gps_spoof", "C20401")
    assert flag["subject_id"] == "dev-20401"
    assert flag["severity"] == "medium"
    assert re.search(
        r"at one spot on 6 days between 2026-09-14 and 2026-10-14: 6 check-ins within 0\.\d m of one spot "
        r"\(5 at exactly the same coordinates\), while the phone reported an accuracy of 8-8 m",
        flag["evidence"],
    ), flag["evidence"]


def test_scripted_login_flags_a_same_second_streak_not_people_logging_in_by_0830_or_a_minute_clock(flags):
    # C20501: 0-action study-app logins at 06:00:16-18 on 15 days in a row.
    # Silent: C20502 opens the same app by hand between 08:27 and 08:30 on all 61
    # days, 0 actions; C20503 does so in A26, whose server keeps whole minutes only.
    assert flagged(flags, "scripted_login") == {"C20501"}
    flag = the_flag(flags, "scripted_login", "C20501")
    assert flag["subject_id"] == "A25"
    assert flag["severity"] == "medium"  # 15 days: the minimum, under the 25 of "high"
    evidence = flag["evidence"]
    assert "with 0 actions at 06:00:17 (+-60 s) on 15 of the 15 days it logged in within 10 min of that time" in evidence
    assert "between 2026-09-07 and 2026-09-21; the spread (MAD) of those login times is 1.0 s" in evidence


def test_vote_stuffing_flags_a_burst_from_one_phone_not_a_village_kiosk_or_a_unit_behind_office_nat(flags):
    # C20601: phone dev-burst-01 casts 20 votes for it in 24 min from 20 accounts.
    # Silent: the village tablet gives C20602 15 of its 45 votes in 29 min (a
    # third); C20603 gets one vote from each of 16 staff on their own phones in
    # 11 min, all from the office IP 58.21.26.1; the other kiosk candidates.
    assert flagged(flags, "vote_stuffing") == {"C20601"}
    flag = the_flag(flags, "vote_stuffing", "C20601")
    assert flag["subject_id"] == "K21"
    assert flag["severity"] == "medium"  # 20 votes, one device
    evidence = flag["evidence"]
    assert "device dev-burst-01 cast 20 votes for C20601 in campaign K21 within 23 m 45 s" in evidence
    assert "(2026-09-18 21:05:11 to 21:28:56) from 20 account(s), 20 of the 20 votes" in evidence


def test_vote_ring_flags_a_closed_trio_not_a_tiny_unit_friends_now_and_then_or_a_rate_everyone_review(flags):
    # C20701, C20703, C20704 pick each other in 4 weekly campaigns, each choosing
    # 2 of a pool of 11. Silent: the water station's 3 cadres (C20702, C20721,
    # C20722) must pick each other every week; friends C20705-C20707 pick each
    # other in 2 weeks and again in the annual review where everyone rates
    # everyone (3 closed campaigns, one of them proving nothing).
    ring = {"C20701", "C20703", "C20704"}
    assert flagged(flags, "vote_ring") == ring
    for member in ring:
        flag = the_flag(flags, "vote_ring", member)
        assert flag["severity"] == "medium"  # 4 campaigns: 3 needed, 5 for "high"
        assert "a closed voting group of 3 cadres (C20701, C20703, C20704)" in flag["evidence"]
        assert "in 4 campaigns (K31, K32, K33, K34)" in flag["evidence"]  # not the K35 review


def test_fabricated_report_flags_invented_figures_not_honest_narrow_amounts_or_small_counts(flags):
    # C20901: 30 amounts all starting with 5-9, 7 round thousands, 78412.35 for 3 villages.
    # Silent: C20902's honest 500-1,000 yuan subsidies fail Benford as badly
    # (first digits 5-9 only) but have 4 round grants and one amount paid twice;
    # C20904's 20 hardship subsidies are all round, like every other cadre's (policy);
    # C20903's meetings_held; the 10 background cadres' 1,000 amounts.
    assert flagged(flags, "fabricated_report") == {"C20901"}
    flag = the_flag(flags, "fabricated_report", "C20901")
    assert flag["subject_id"] == "funds_disbursed_yuan"
    assert flag["severity"] == "high"  # all three tests
    evidence = flag["evidence"]
    assert re.search(r"first digits off Benford \(chi-square \d+\.\d > 26\.12, 8 df", evidence), evidence
    assert "at n = 30" in evidence
    assert "7 values are whole multiples of 100 (23% of figures of at least 200, where the median cadre has 0.0%" in evidence
    assert "3 values repeat a figure reported for another item (e.g. 78412.35 for 3 items)" in evidence


def test_padded_cases_flags_bulk_instant_closures_and_faked_visits_not_quick_duplicates_or_a_forgotten_check_in(flags):
    # C20801 resolves 8 cases on one morning, each 25-46 s after opening it.
    # C20803 claims 5 visits to a village 20 km away; on 4 its phone never left the office.
    # Silent: C20802 closes duplicates at once 3-4 times a day (and 6 transferred
    # on one day); C20804 forgets to check in on 3 of 20 visits; C20805 has no
    # check-ins at all to judge by; C20806 checks in on every visit.
    assert flagged(flags, "padded_cases") == {"C20801", "C20803"}
    bulk = the_flag(flags, "padded_cases", "C20801")
    assert bulk["severity"] == "medium"  # 8 cases: 5 a day needed, 10 for "high"
    assert "C20801 resolved 8 cases on 2026-09-15 each within 46 s of opening it" in bulk["evidence"]
    visits = the_flag(flags, "padded_cases", "C20803")
    assert visits["severity"] == "medium"
    assert "claimed field visits on 4 of 5 cases" in visits["evidence"]
    assert "(closest 20.0 km)" in visits["evidence"]
    assert "among other cadres 10.0% of claimed visits lack a check-in" in visits["evidence"]


def test_real_vote_counts_are_loaded_whole_and_not_called_fabricated(warehouse, flags):
    # 49 states' counters (C210xx) report 24,008 real county figures: every row written is a staged report.
    written = []
    for part in warehouse.parent.glob("landing/reports/dt=*/*.csv"):
        with part.open(newline="", encoding="utf-8") as handle:
            written += [row["report_id"] for row in csv.DictReader(handle) if row["cadre_id"].startswith("C210")]
    assert len(written) > 20_000
    staged = query(warehouse, "select count(*), count(distinct cadre_id) from staging.stg_reports where cadre_id like 'C210%'")
    assert staged == [(len(written), 49)]
    assert {f["cadre_id"] for f in flags if f["cadre_id"].startswith("C210")} == set()


def test_no_flag_outside_the_nine_planted_records(flags):
    expected = {
        ("proxy_checkin", "C20101"),
        ("impossible_travel", "C20201"),
        ("photo_reuse", "C20301"),
        ("gps_spoof", "C20401"),
        ("scripted_login", "C20501"),
        ("vote_stuffing", "C20601"),
        *(("vote_ring", member) for member in ("C20701", "C20703", "C20704")),
        ("padded_cases", "C20801"),
        ("padded_cases", "C20803"),
        ("fabricated_report", "C20901"),
    }
    assert {(f["flag_code"], f["cadre_id"]) for f in flags} == expected
