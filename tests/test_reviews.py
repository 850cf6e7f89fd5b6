"""Inspectors' verdicts feed back: CSVs dropped in the reviews inbox, the latest
verdict in marts.padding_flags, the confirmed rate in marts.flag_review_outcomes,
and no mail for a dismissed flag. Real builds of a copy of the shared demo
warehouse, a real SMTP server on loopback.
"""

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import build, fingertip, query
from smtp_server import SmtpServer

HEADER = "flag_id,verdict,note,reviewed_by\n"
INSPECTOR = "inspector@units.test"


def delivery_days(landing: Path) -> list[str]:
    return sorted({p.name.removeprefix("dt=") for p in landing.glob("*/dt=*")})


@pytest.fixture(scope="module")
def reviewed(demo_build, tmp_path_factory):
    """Verdicts given between builds of a copy of the demo warehouse:
    one by the CLI, one file of the inbox applied, one rejected; then a full
    build with SMTP, then an incremental build of the last delivery day."""
    landing, warehouse = demo_build
    workdir = tmp_path_factory.mktemp("reviews")
    copy = workdir / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    flags = query(
        copy, "select flag_id, flag_code, evidence from marts.padding_flags where severity in ('medium', 'high') order by flag_id"
    )
    assert len(flags) >= 3, "the demo build has too few flags to review"
    (dismissed, dismissed_code, _), (confirmed, confirmed_code, _), (waiting, *_) = flags[:3]

    fingertip(
        "review",
        dismissed,
        "--verdict",
        "dismissed",
        "--note",
        "office phone, checked",
        "--by",
        "Li Wei",
        "--warehouse",
        str(copy),
    )
    inbox = workdir / "reviews_inbox"
    inbox.mkdir()
    (inbox / "week-1.csv").write_text(HEADER + f'{confirmed},confirmed,"one phone, two cadres",Zhang Min\n')
    # One bad row makes the whole file wait in rejected/: nothing of it is recorded.
    (inbox / "week-2.csv").write_text(HEADER + f"{waiting},confirmed,ok,Zhang Min\nno-such-flag,dismissed,?,Zhang Min\n")

    server = SmtpServer("robot", "pw-reviews").start()
    try:
        full = build(landing, workdir, env=server.env(FINGERTIP_ALERT_TO=INSPECTOR))
        mails = list(server.received)
    finally:
        server.stop()
    last_day = delivery_days(landing)[-1]
    incremental = build(landing, workdir, env={"FINGERTIP_FIRST_DAY": last_day, "FINGERTIP_LAST_DAY": last_day})
    return SimpleNamespace(
        warehouse=copy,
        publish=workdir / "analytics.duckdb",
        inbox=inbox,
        mails=mails,
        full=full,
        incremental=incremental,
        dismissed=dismissed,
        dismissed_code=dismissed_code,
        confirmed=confirmed,
        confirmed_code=confirmed_code,
        waiting=waiting,
        all_alertable={f[0] for f in flags},
    )


def test_a_verdicts_file_is_recorded_whole_and_moved_to_applied(reviewed):
    assert (reviewed.inbox / "applied" / "week-1.csv").is_file()
    assert not (reviewed.inbox / "week-1.csv").exists()
    rows = query(
        reviewed.warehouse, "select flag_id, verdict, note, reviewed_by, recorded_from from ops.flag_reviews order by reviewed_at"
    )
    assert rows == [
        (reviewed.dismissed, "dismissed", "office phone, checked", "Li Wei", "cli"),
        (reviewed.confirmed, "confirmed", "one phone, two cadres", "Zhang Min", "week-1.csv"),
    ]


def test_a_file_naming_an_unknown_flag_is_rejected_whole_with_the_reason(reviewed):
    assert (reviewed.inbox / "rejected" / "week-2.csv").is_file()
    errors = (reviewed.inbox / "rejected" / "week-2.csv.errors.txt").read_text()
    assert "line 3: no flag 'no-such-flag'" in errors
    assert query(reviewed.warehouse, "select count(*) from ops.flag_reviews where flag_id = ?", [reviewed.waiting]) == [(0,)]


def test_padding_flags_shows_each_flags_latest_verdict_after_full_and_incremental_builds(reviewed):
    assert reviewed.incremental.returncode == 0
    for database in (reviewed.warehouse, reviewed.publish):
        statuses = dict(query(database, "select flag_id, review_status from marts.padding_flags"))
        assert statuses[reviewed.dismissed] == "dismissed"
        assert statuses[reviewed.confirmed] == "confirmed"
        assert statuses[reviewed.waiting] == "open"
        assert query(database, "select count(*) from marts.padding_flags where review_verdict is not null") == [(2,)]
    # Who reviewed and their notes stay in the warehouse: names are not published.
    columns = {
        c
        for (c,) in query(
            reviewed.publish, "select column_name from information_schema.columns where table_name = 'padding_flags'"
        )
    }
    assert "reviewed_by" not in columns and "review_note" not in columns


def test_a_dismissed_flag_is_not_mailed_and_the_others_are(reviewed):
    assert reviewed.mails, "the build sent no mail at all"
    mailed = {flag_id for mail in reviewed.mails for flag_id in reviewed.all_alertable if flag_id in mail.part("plain")}
    assert reviewed.dismissed not in mailed
    assert reviewed.confirmed in mailed and reviewed.waiting in mailed
    assert query(
        reviewed.warehouse, "select count(*) from ops.alert_outbox where list_contains(flag_ids, ?)", [reviewed.dismissed]
    ) == [(0,)]


def test_the_confirmed_rate_per_code_and_month_counts_the_decided_flags(reviewed):
    rows = query(
        reviewed.warehouse,
        "select flag_code, sum(reviewed), sum(confirmed), sum(dismissed) from marts.flag_review_outcomes "
        "where reviewed > 0 group by flag_code order by flag_code",
    )
    expected = {}
    for code, verdict in ((reviewed.dismissed_code, "dismissed"), (reviewed.confirmed_code, "confirmed")):
        reviewed_n, confirmed_n, dismissed_n = expected.get(code, (0, 0, 0))
        expected[code] = (reviewed_n + 1, confirmed_n + (verdict == "confirmed"), dismissed_n + (verdict == "dismissed"))
    assert rows == [(code, *counts) for code, counts in sorted(expected.items())]
    rates = query(reviewed.warehouse, "select confirmed_rate from marts.flag_review_outcomes where reviewed = 0")
    assert rates and all(rate is None for (rate,) in rates)
    # Every code of the flag registry has its rows, reviewed or not.
    codes = {c for (c,) in query(reviewed.warehouse, "select distinct flag_code from marts.flag_review_outcomes")}
    assert codes == {c for (c,) in query(reviewed.warehouse, "select flag_code from reference.flag_codes")}
