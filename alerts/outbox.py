"""ops.alert_outbox: every alert mail, written before it is sent.

A row is `pending` until its first attempt, `failed` while attempts fail (it
is retried on every run), and `sent` once the SMTP server accepted it. The
rendered subject and bodies are stored, so a retry sends exactly the mail
that was queued, even if the flags have changed since.

dbt does not manage this table (it is created here, `if not exists`, and dbt
never drops the ops schema). Connections are short: one per write, so the
warehouse file is not held open while talking to the SMTP server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb

from sources.contract import TIMEZONE

OUTBOX_TABLE = "ops.alert_outbox"
STATUSES = ("pending", "sent", "failed")

CREATE_OUTBOX = f"""
create schema if not exists ops;
create table if not exists {OUTBOX_TABLE} (
    alert_id varchar primary key,          -- stable: sha256 of recipient and flag ids
    flag_ids varchar[] not null,           -- the flags this mail alerts (each flag is alerted once, ever)
    recipients varchar[] not null,
    subject varchar not null,
    status varchar not null check (status in ('pending', 'sent', 'failed')),
    attempts integer not null default 0,   -- delivery attempts so far
    last_error varchar,                    -- why the last attempt failed (null once sent)
    created_at timestamp not null,         -- Asia/Shanghai wall-clock, like every warehouse timestamp
    sent_at timestamp,                     -- when the server accepted it
    last_attempt_at timestamp,
    created_by_run varchar,                -- the Dagster run that queued it
    sent_by_run varchar,                   -- the Dagster run that delivered it
    message_id varchar not null,           -- the same Message-ID on every attempt
    body_text varchar not null,
    body_html varchar not null
)
"""


def local_now() -> datetime:
    return datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None, microsecond=0)


# Opens the warehouse for writing (the pipeline's Warehouse resource, `Warehouse.get_connection`).
Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


@contextmanager
def opened(connect: Connect) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short connection to the warehouse, with the outbox table there."""
    with connect() as con:
        con.execute(CREATE_OUTBOX)
        yield con


@dataclass(frozen=True)
class OutboxMail:
    alert_id: str
    recipients: list[str]
    subject: str
    body_text: str
    body_html: str
    message_id: str
    attempts: int


def enqueue(con: duckdb.DuckDBPyConnection, digests, *, message_domain: str, run_id: str | None) -> None:
    """Queue digests as `pending` rows (in the caller's transaction)."""
    if not digests:
        return
    now = local_now()
    con.executemany(
        f"""
        insert into {OUTBOX_TABLE}
            (alert_id, flag_ids, recipients, subject, status, attempts, created_at, created_by_run, message_id, body_text, body_html)
        values (?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?)
        """,
        [
            [d.alert_id, d.flag_ids, [d.recipient], d.subject, now, run_id, f"<{d.alert_id}@{message_domain}>", d.text, d.html]
            for d in digests
        ],
    )


def unsent(con: duckdb.DuckDBPyConnection) -> list[OutboxMail]:
    rows = con.execute(
        f"""
        select alert_id, recipients, subject, body_text, body_html, message_id, attempts
        from {OUTBOX_TABLE} where status <> 'sent' order by created_at, alert_id
        """
    ).fetchall()
    return [OutboxMail(*row) for row in rows]


def mark_sent(con: duckdb.DuckDBPyConnection, alert_id: str, run_id: str | None) -> None:
    now = local_now()
    con.execute(
        f"""
        update {OUTBOX_TABLE}
        set status = 'sent', attempts = attempts + 1, last_error = null, sent_at = ?, last_attempt_at = ?, sent_by_run = ?
        where alert_id = ?
        """,
        [now, now, run_id, alert_id],
    )


def mark_failed(con: duckdb.DuckDBPyConnection, alert_id: str, error: str) -> None:
    con.execute(
        f"""
        update {OUTBOX_TABLE}
        set status = 'failed', attempts = attempts + 1, last_error = ?, last_attempt_at = ?
        where alert_id = ?
        """,
        [error, local_now(), alert_id],
    )


def status_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = dict(con.execute(f"select status, count(*) from {OUTBOX_TABLE} group by status").fetchall())
    return {status: counts.get(status, 0) for status in STATUSES}
