"""Alert e-mails, end to end: real `fingertip run` builds of a demo landing
folder, a real SMTP server (aiosmtpd), the real warehouse's outbox.

Two builds share one warehouse (module fixture), a copy of the session's demo
build (conftest `demo_build`: its folder as `fingertip run` left it, and no
recipients, so nothing was queued): SMTP down, then SMTP back. Each is a re-run
of an unchanged landing: the alerts are a step of every run, and their outbox is
all that differs between them. Then the alert step once more, alone (a third
re-run would rebuild nothing either). Cheaper variants (no SMTP configured, a
refused recipient, another severity) materialize the alert asset alone in
Dagster, on copies of it.
"""

import base64
import csv
import logging
import os
import re
import secrets
import shutil
from collections import defaultdict
from html import escape
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from conftest import build, instance_at, query
from dagster import DagsterInstance, materialize
from smtp_server import SmtpServer, free_port

OUTBOX_SQL = """
    select alert_id, list_sort(flag_ids), recipients, subject, status, attempts, last_error, sent_at, message_id
    from ops.alert_outbox order by alert_id
"""
CHIEF, AUDIT = "chief@alerts.test", "Audit@alerts.test"
# aiosmtpd warns that the test server takes AUTH without TLS: that is the point (the password crosses the wire).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
FLAG_IN_TEXT = re.compile(r"\(flag (\S+)\)")


def inspector(unit: str) -> str:
    return f"inspector-{unit.lower()}@units.test"


def expected_flags(warehouse: Path, severities=("medium", "high")) -> dict[str, str]:
    """flag_id -> unit_id (the cadre's unit in staging.stg_cadres) of the flags to alert."""
    marks = ", ".join(f"'{s}'" for s in severities)
    return dict(
        query(
            warehouse,
            f"""select f.flag_id, c.unit_id from marts.padding_flags f
                left join staging.stg_cadres c on c.cadre_id = f.cadre_id where f.severity in ({marks})""",
        )
    )


def outbox(warehouse: Path) -> list[tuple]:
    return query(warehouse, OUTBOX_SQL)


def set_env(patch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Every setting of `env` in this process's environment, until `patch` undoes them."""
    for name, value in env.items():
        patch.setenv(name, value)


def flag_ids_in(mail) -> set[str]:
    return set(FLAG_IN_TEXT.findall(mail.part("plain")))


@pytest.fixture(scope="module")
def alert_builds(demo_build, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("alerts") / "demo"
    shutil.copytree(demo_build[1].parent, workdir)  # copy2: the lake's receipts still match its files
    landing = workdir / "landing"
    assert outbox(workdir / "warehouse.duckdb") == [], "the demo build queued mails: it had no recipients"
    # The cadres' units (the demo's units.csv also holds deliberately invalid rows).
    with open(landing / "reference" / "cadres.csv", newline="", encoding="utf-8") as handle:
        units = sorted({row["unit_id"] for row in csv.DictReader(handle) if row["unit_id"]})
    # Every unit but the last has an inspector; that one's flags go to FINGERTIP_ALERT_TO only.
    routed, unrouted = units[:-1], units[-1]
    routing = workdir / "routing.csv"
    routing.write_text("unit_id,email\n" + "".join(f"{u},{inspector(u)}\n" for u in routed))

    user, password = "fingertip-robot", "pw-" + secrets.token_hex(12)
    server = SmtpServer(user, password).start()
    base = server.env(FINGERTIP_ALERT_TO=f"{CHIEF}, {AUDIT}", FINGERTIP_ALERT_ROUTING=str(routing))
    runs, outboxes, received = [], [], []
    try:
        # 1. The SMTP server is down (nobody listens on that port).
        runs.append(build(landing, workdir, env={**base, "FINGERTIP_SMTP_PORT": str(free_port())}))
        outboxes.append(outbox(workdir / "warehouse.duckdb"))
        received.append(list(server.received))
        # 2. It is back.
        runs.append(build(landing, workdir, env=base))
        outboxes.append(outbox(workdir / "warehouse.duckdb"))
        received.append(list(server.received))
        # 3. Nothing new: the alert step once more, alone, in the builds' own Dagster instance. A third
        # `fingertip run` of this unchanged landing would rebuild nothing and run this same step.
        with pytest.MonkeyPatch.context() as env:
            set_env(env, base)
            materialize_alerts(workdir / "warehouse.duckdb", instance_at(workdir / ".dagster"))
        outboxes.append(outbox(workdir / "warehouse.duckdb"))
        received.append(list(server.received))
    finally:
        server.stop()
    warehouse = workdir / "warehouse.duckdb"
    flags = expected_flags(warehouse)
    assert flags, "the demo build has no flag at or above medium severity: nothing to alert, nothing to test"
    return SimpleNamespace(
        workdir=workdir,
        warehouse=warehouse,
        landing=landing,
        routing=routing,
        routed=routed,
        unrouted=unrouted,
        user=user,
        password=password,
        logins=list(server.logins),
        runs=runs,
        outboxes=outboxes,
        received=received,
        flags=flags,
    )


def test_smtp_down_the_build_succeeds_and_the_outbox_keeps_the_mails(alert_builds):
    rows = alert_builds.outboxes[0]
    assert alert_builds.received[0] == []
    assert rows, "nothing was queued"
    for _alert_id, _flag_ids, _recipients, _subject, status, attempts, last_error, sent_at, _ in rows:
        assert status == "failed" and attempts == 1 and sent_at is None
        assert "Connection refused" in last_error or "ConnectionRefused" in last_error
    # Every flag at or above medium is queued, none other.
    assert set().union(*(set(r[1]) for r in rows)) == set(alert_builds.flags)


def test_smtp_back_the_next_build_sends_exactly_the_pending_mails_once(alert_builds):
    before, after, mails = alert_builds.outboxes[0], alert_builds.outboxes[1], alert_builds.received[1]
    # No new mail queued; each queued one delivered once, under its outbox Message-ID.
    assert [r[0] for r in after] == [r[0] for r in before]
    assert sorted(str(m.message["Message-ID"]) for m in mails) == sorted(r[8] for r in before)
    for _alert_id, _flag_ids, _recipients, _subject, status, attempts, last_error, sent_at, _ in after:
        assert (status, attempts, last_error) == ("sent", 2, None) and sent_at is not None
    by_id = {r[8]: r for r in before}
    for mail in mails:
        row = by_id[str(mail.message["Message-ID"])]
        assert mail.rcpt_tos == row[2]
        assert mail.subject == row[3]
        assert flag_ids_in(mail) == set(row[1])
    assert (alert_builds.user, True) in alert_builds.logins


def test_a_further_alert_step_sends_nothing_new(alert_builds):
    assert len(alert_builds.received[2]) == len(alert_builds.received[1])
    assert alert_builds.outboxes[2] == alert_builds.outboxes[1]


def test_digest_to_everyone_lists_every_flag_with_evidence_and_sql(alert_builds):
    flags = alert_builds.flags
    details = {
        row[0]: row[1:]
        for row in query(alert_builds.warehouse, "select flag_id, flag_code, severity, evidence from marts.padding_flags")
    }
    mails = {m.rcpt_tos[0]: m for m in alert_builds.received[1]}
    for address in (CHIEF, AUDIT):
        mail = mails[address]
        assert mail.rcpt_tos == [address]
        assert flag_ids_in(mail) == set(flags)
        severities = {details[f][1] for f in flags}
        top = "high" if "high" in severities else "medium"
        assert mail.subject == f"[fingertip] {len(flags)} new padding flag{'s' if len(flags) > 1 else ''}, highest severity {top}"
        text, html = mail.part("plain"), mail.part("html")
        assert "<table" in html
        for flag_id in flags:
            code, _, evidence = details[flag_id]
            assert evidence in text and escape(evidence) in html
            assert flag_id in html
        # Grouped by unit, then flag code.
        for unit in set(flags.values()):
            assert f"Unit {unit}" in text and f"Unit {unit}" in html
        for code in {details[f][0] for f in flags}:
            assert f"-- {code} (" in text
        # SQL to paste: the rows behind each flag, and the digest's flags.
        assert text.count("SQL: select * from staging.") + text.count("SQL: select * from marts.") == len(flags)
        assert "select * from marts.padding_flags where flag_id in (" in text


def test_the_sql_in_the_digest_runs_and_finds_the_rows(alert_builds):
    mail = next(m for m in alert_builds.received[1] if m.rcpt_tos == [CHIEF])
    statements = re.findall(r"SQL: (select .*;)", mail.part("plain"))
    assert len(statements) == len(alert_builds.flags)
    with duckdb.connect(str(alert_builds.warehouse), read_only=True) as con:
        for sql in statements:
            assert con.execute(sql).fetchall(), f"no rows for {sql}"


def test_routing_sends_each_unit_its_own_flags_only(alert_builds):
    by_unit = defaultdict(set)
    for flag_id, unit in alert_builds.flags.items():
        by_unit[unit].add(flag_id)
    mails = defaultdict(list)
    for mail in alert_builds.received[1]:
        for address in mail.rcpt_tos:
            mails[address].append(mail)
    for unit in alert_builds.routed:
        got = mails.get(inspector(unit), [])
        if by_unit[unit]:
            assert len(got) == 1, f"{inspector(unit)} should get one digest"
            assert flag_ids_in(got[0]) == by_unit[unit]
            assert unit in got[0].subject
        else:
            assert got == []
    assert inspector(alert_builds.unrouted) not in mails
    assert set(mails) <= {CHIEF, AUDIT, *(inspector(u) for u in alert_builds.routed)}


def _password_forms(user: str, password: str) -> list[bytes]:
    """The password as is, and as SMTP AUTH PLAIN / LOGIN would carry it."""
    raw = password.encode()
    return [raw, base64.b64encode(raw), base64.b64encode(b"\0" + user.encode() + b"\0" + raw)]


def test_the_password_is_never_printed_logged_or_stored(alert_builds):
    forms = _password_forms(alert_builds.user, alert_builds.password)
    for run in alert_builds.runs:
        for stream in (run.stdout, run.stderr):
            assert not any(form.decode() in stream for form in forms)
    # Every text column of every table and view, in the warehouse and the analysts' copy.
    for database in (alert_builds.warehouse, alert_builds.workdir / "analytics.duckdb"):
        with duckdb.connect(str(database), read_only=True) as con:
            columns = con.execute(
                """select table_schema, table_name, column_name from information_schema.columns
                   where data_type like 'VARCHAR%' and table_catalog = current_database()"""
            ).fetchall()
            assert columns
            for schema, table, column in columns:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" where contains(cast("{column}" as varchar), ?)',
                    [alert_builds.password],
                ).fetchone()[0]
                assert hits == 0, f"the password is in {schema}.{table}.{column}"
    # Dagster's instance (event log, run storage, compute logs) and everything else the builds wrote.
    scanned = 0
    for path in alert_builds.workdir.rglob("*"):
        if path.is_file() and path.suffix not in {".parquet", ".gz"} and "landing" not in path.parts:
            data = path.read_bytes()
            scanned += 1
            assert not any(form in data for form in forms), f"the password is in {path}"
    assert any(p.is_file() for p in (alert_builds.workdir / ".dagster").rglob("*")) and scanned


# --- the alert asset alone, on copies of the built warehouse ---------------------------------


@pytest.fixture
def fresh_warehouse(alert_builds, tmp_path, monkeypatch):
    """A copy of the built warehouse with an empty outbox, and an environment without FINGERTIP_*."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(alert_builds.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table ops.alert_outbox")
    for name in list(os.environ):
        if name.startswith("FINGERTIP_"):
            monkeypatch.delenv(name)
    return copy


def materialize_alerts(warehouse: Path, instance: DagsterInstance):
    from orchestration.assets.alerts import alert_emails
    from orchestration.resources import Warehouse, alert_config_from_env

    result = materialize(
        [alert_emails],
        instance=instance,
        resources={
            "warehouse": Warehouse(database=str(warehouse), published=str(warehouse.with_name("analytics.duckdb"))),
            "alerts": alert_config_from_env(),
        },
    )
    [event] = result.asset_materializations_for_node("alert_emails")
    metadata = {key: value.value for key, value in event.metadata.items()}
    warnings = [e.user_message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING]
    return metadata, warnings


def test_without_smtp_mails_stay_pending_and_the_run_says_so_once(alert_builds, fresh_warehouse, monkeypatch):
    monkeypatch.setenv("FINGERTIP_ALERT_TO", CHIEF)
    instance = DagsterInstance.ephemeral()
    metadata, warnings = materialize_alerts(fresh_warehouse, instance)
    assert metadata["mails_sent"] == 0 and metadata["mails_pending"] == 1 and metadata["mails_failed"] == 0
    assert metadata["flags_alerted"] == len(alert_builds.flags)
    assert "SMTP is not configured" in metadata["warning"]
    assert len([w for w in warnings if "SMTP is not configured" in w]) == 1
    [row] = outbox(fresh_warehouse)
    assert (row[4], row[5], row[6]) == ("pending", 0, None)

    # Configured later: the pending digest goes out, once.
    with SmtpServer("robot", "later-pw-77") as server:
        set_env(monkeypatch, server.env())
        metadata, _ = materialize_alerts(fresh_warehouse, instance)
        assert (metadata["mails_sent"], metadata["mails_pending"], metadata["flags_alerted"]) == (1, 0, 0)
        metadata, _ = materialize_alerts(fresh_warehouse, instance)
        assert (metadata["mails_sent"], metadata["mails_pending"]) == (0, 0)
    [mail] = server.received
    assert mail.rcpt_tos == [CHIEF] and flag_ids_in(mail) == set(alert_builds.flags)
    assert outbox(fresh_warehouse)[0][4:6] == ("sent", 1)


def test_a_refused_recipient_fails_alone_and_is_retried(alert_builds, fresh_warehouse, monkeypatch):
    refused_unit = alert_builds.routed[0]
    instance = DagsterInstance.ephemeral()
    monkeypatch.setenv("FINGERTIP_ALERT_TO", CHIEF)
    monkeypatch.setenv("FINGERTIP_ALERT_ROUTING", str(alert_builds.routing))
    with SmtpServer("robot", "refuse-pw-12", refuse={inspector(refused_unit)}) as server:
        set_env(monkeypatch, server.env())
        metadata, warnings = materialize_alerts(fresh_warehouse, instance)
    rows = {r[2][0]: r for r in outbox(fresh_warehouse)}
    assert rows[inspector(refused_unit)][4:6] == ("failed", 1)
    assert "550" in rows[inspector(refused_unit)][6]
    assert metadata["mails_failed"] == 1 and metadata["mails_sent"] == len(rows) - 1
    assert all(r[4] == "sent" for address, r in rows.items() if address != inspector(refused_unit))
    assert any("550" in w for w in warnings)

    with SmtpServer("robot", "refuse-pw-12") as server:
        set_env(monkeypatch, server.env())
        metadata, _ = materialize_alerts(fresh_warehouse, instance)
    assert [m.rcpt_tos for m in server.received] == [[inspector(refused_unit)]]
    assert outbox(fresh_warehouse)[0] and all(r[4] == "sent" for r in outbox(fresh_warehouse))


def test_min_severity_is_configurable(alert_builds, fresh_warehouse, monkeypatch):
    monkeypatch.setenv("FINGERTIP_ALERT_TO", CHIEF)
    monkeypatch.setenv("FINGERTIP_ALERT_MIN_SEVERITY", "high")
    metadata, _ = materialize_alerts(fresh_warehouse, DagsterInstance.ephemeral())
    high = expected_flags(fresh_warehouse, ("high",))
    assert metadata["flags_alerted"] == len(high)
    rows = outbox(fresh_warehouse)
    assert set().union(*(set(r[1]) for r in rows)) == set(high)


def test_a_wrong_setting_fails_the_step_with_a_clear_message(fresh_warehouse, monkeypatch):
    monkeypatch.setenv("FINGERTIP_ALERT_MIN_SEVERITY", "urgent")
    with pytest.raises(Exception, match="FINGERTIP_ALERT_MIN_SEVERITY='urgent' is not a severity"):
        materialize_alerts(fresh_warehouse, DagsterInstance.ephemeral())
