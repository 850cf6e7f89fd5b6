"""Inspectors' verdicts feed back: CSVs dropped in the reviews inbox, the latest
verdict in marts.padding_flags, the confirmed rate in marts.flag_review_outcomes,
and no mail for a dismissed flag. Real builds of a copy of the shared demo
warehouse, a real SMTP server on loopback: conftest's `reviewed_build`, which
tests/test_report.py's verdict tests read too.
"""

from conftest import query

LATEST = ("superseded", "confirmed"), ("dismissed", "dismissed"), ("needs_evidence", "needs-evidence"), ("confirmed", "confirmed")


def test_a_verdicts_file_is_recorded_whole_and_moved_to_applied(reviewed_build):
    reviewed = reviewed_build
    assert (reviewed.inbox / "applied" / "week-1.csv").is_file()
    assert not (reviewed.inbox / "week-1.csv").exists()
    rows = query(
        reviewed.warehouse, "select flag_id, verdict, note, reviewed_by, recorded_from from ops.flag_reviews order by reviewed_at"
    )
    assert rows == [
        (reviewed.superseded, "needs-evidence", "ask for the phone", "Li Wei", "cli"),
        (reviewed.superseded, "confirmed", "one phone, two cadres", "Zhang Min", "cli"),
        (reviewed.dismissed, "dismissed", "office phone <shared>", "Li Wei", "cli"),
        (reviewed.needs_evidence, "needs-evidence", "photos please", "Li Wei", "cli"),
        (reviewed.confirmed, "confirmed", "same face, two names", "Zhang Min", "week-1.csv"),
    ]


def test_a_file_naming_an_unknown_flag_is_rejected_whole_with_the_reason(reviewed_build):
    reviewed = reviewed_build
    assert (reviewed.inbox / "rejected" / "week-2.csv").is_file()
    errors = (reviewed.inbox / "rejected" / "week-2.csv.errors.txt").read_text()
    assert "line 3: no flag 'no-such-flag'" in errors
    assert query(reviewed.warehouse, "select count(*) from ops.flag_reviews where flag_id = ?", [reviewed.waiting]) == [(0,)]


def test_padding_flags_shows_each_flags_latest_verdict_after_full_and_incremental_builds(reviewed_build):
    reviewed = reviewed_build
    assert reviewed.incremental.returncode == 0
    assert "dbt: incremental build of months" in reviewed.incremental.stdout
    for database in (reviewed.warehouse, reviewed.publish):
        statuses = dict(query(database, "select flag_id, review_status from marts.padding_flags"))
        assert statuses[reviewed.dismissed] == "dismissed"
        assert statuses[reviewed.confirmed] == "confirmed"
        assert statuses[reviewed.superseded] == "confirmed"
        assert statuses[reviewed.needs_evidence] == "needs-evidence"
        assert statuses[reviewed.waiting] == "open"
        assert query(database, "select count(*) from marts.padding_flags where review_verdict is not null") == [(len(LATEST),)]
    # Who reviewed and their notes stay in the warehouse: names are not published.
    columns = {
        c
        for (c,) in query(
            reviewed.publish, "select column_name from information_schema.columns where table_name = 'padding_flags'"
        )
    }
    assert "reviewed_by" not in columns and "review_note" not in columns


def test_a_dismissed_flag_is_not_mailed_and_the_others_are(reviewed_build):
    reviewed = reviewed_build
    assert reviewed.mails, "the build sent no mail at all"
    mailed = {flag_id for mail in reviewed.mails for flag_id in reviewed.all_alertable if flag_id in mail.part("plain")}
    assert reviewed.dismissed not in mailed
    assert {reviewed.confirmed, reviewed.superseded, reviewed.needs_evidence, reviewed.waiting} <= mailed
    assert query(
        reviewed.warehouse, "select count(*) from ops.alert_outbox where list_contains(flag_ids, ?)", [reviewed.dismissed]
    ) == [(0,)]


def test_the_confirmed_rate_per_code_and_month_counts_the_decided_flags(reviewed_build):
    reviewed = reviewed_build
    rows = query(
        reviewed.warehouse,
        "select flag_code, sum(reviewed), sum(confirmed), sum(dismissed) from marts.flag_review_outcomes "
        "where reviewed > 0 group by flag_code order by flag_code",
    )
    expected = {}
    for name, verdict in LATEST:
        code = reviewed.codes[getattr(reviewed, name)]
        reviewed_n, confirmed_n, dismissed_n = expected.get(code, (0, 0, 0))
        expected[code] = (reviewed_n + 1, confirmed_n + (verdict == "confirmed"), dismissed_n + (verdict == "dismissed"))
    assert rows == [(code, *counts) for code, counts in sorted(expected.items())]
    rates = query(reviewed.warehouse, "select confirmed_rate from marts.flag_review_outcomes where reviewed = 0")
    assert rates and all(rate is None for (rate,) in rates)
    # Every code of the flag registry has its rows, reviewed or not.
    codes = {c for (c,) in query(reviewed.warehouse, "select distinct flag_code from marts.flag_review_outcomes")}
    assert codes == {c for (c,) in query(reviewed.warehouse, "select flag_code from reference.flag_codes")}
