"""ops.flag_reviews: inspectors' verdicts on flags, append-only.

`fingertip review FLAG_ID --verdict confirmed|dismissed|needs-evidence --note TEXT --by NAME`
appends one row. Rows are never updated or deleted: a later verdict on the
same flag is a new row, and a flag's verdict is its latest row.

dbt does not manage this table (it is created here, `if not exists`, like
ops.alert_outbox, and dbt never drops the ops schema), so a rebuild keeps it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from orchestration.settings import TIMEZONE

REVIEWS_TABLE = "ops.flag_reviews"
VERDICTS = ("confirmed", "dismissed", "needs-evidence")

CREATE_REVIEWS = f"""
create schema if not exists ops;
create table if not exists {REVIEWS_TABLE} (
    review_id varchar primary key,        -- a new uuid per verdict
    flag_id varchar not null,             -- marts.padding_flags.flag_id when the verdict was given
    flag_code varchar not null,           -- the flag's code and cadre then, so the verdict reads on its own
    cadre_id varchar,
    verdict varchar not null check (verdict in ('confirmed', 'dismissed', 'needs-evidence')),
    note varchar not null,
    reviewed_by varchar not null,
    reviewed_at timestamp not null        -- Asia/Shanghai wall-clock, like every warehouse timestamp
)
"""

# The latest verdict per flag (reviewed_at keeps microseconds; a tie falls back to review_id, for a stable answer).
LATEST_VERDICTS = """
select flag_id, verdict, note, reviewed_by, reviewed_at
from {table}
qualify row_number() over (partition by flag_id order by reviewed_at desc, review_id desc) = 1
"""


class ReviewError(ValueError):
    """The verdict cannot be recorded; the message says why and what to do (exit code 3: gave up waiting)."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


@contextlib.contextmanager
def build_lock_held(warehouse: Path, wait: float):
    """Hold the lock file `fingertip run` holds for a whole build, so a verdict is never written mid-build
    (a build opens the warehouse for writing from several steps; DuckDB allows one writing process).
    The lock file's contents (who builds, whether the last build finished) are left alone."""
    from orchestration.build import lock_path

    fd = os.open(lock_path(warehouse), os.O_RDWR | os.O_CREAT, 0o664)
    try:
        deadline = time.monotonic() + wait
        said = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not said:
                    print(f"waiting: a fingertip run is building {warehouse}; waiting up to {wait:.0f} s (FINGERTIP_WAIT_SECONDS)",
                          file=sys.stderr, flush=True)
                    said = True
                if time.monotonic() >= deadline:
                    raise ReviewError(
                        f"a fingertip run was still building {warehouse} after {wait:.0f} s; nothing was written: "
                        "record the verdict again when it has finished, or set FINGERTIP_WAIT_SECONDS to wait longer.",
                        exit_code=3,
                    ) from None
                time.sleep(0.5)
        yield
    finally:
        os.close(fd)  # releases the flock


@dataclass(frozen=True)
class Review:
    review_id: str
    flag_id: str
    flag_code: str
    verdict: str
    reviewed_at: str


def record_review(warehouse: Path, flag_id: str, verdict: str, note: str, by: str, wait: float = 600) -> Review:
    """Append one verdict (after any build of this warehouse has finished, waiting up to `wait` seconds);
    nothing is written if the flag is unknown or an argument is wrong."""
    if verdict not in VERDICTS:
        raise ReviewError(f"--verdict {verdict!r} is not one of {', '.join(VERDICTS)}.")
    if not by.strip():
        raise ReviewError("--by is empty: give the inspector's name.")
    if not warehouse.is_file():
        raise ReviewError(f"the warehouse {warehouse} does not exist: pass --warehouse FILE or set FINGERTIP_WAREHOUSE.")
    with build_lock_held(warehouse, wait):
        return _append(warehouse, flag_id, verdict, note, by)


def _append(warehouse: Path, flag_id: str, verdict: str, note: str, by: str) -> Review:
    try:
        con = duckdb.connect(str(warehouse))
    except duckdb.Error as error:
        raise ReviewError(
            f"cannot open the warehouse {warehouse} to write ({str(error).splitlines()[0]}): if a build is running, try again when it ends."
        ) from None
    with con:
        con.execute("begin transaction")
        try:
            flag = con.execute(
                "select flag_code, cadre_id from marts.padding_flags where flag_id = ?", [flag_id]
            ).fetchone()
        except duckdb.CatalogException:
            con.execute("rollback")
            raise ReviewError(f"{warehouse} has no marts.padding_flags: build it first with `fingertip run`.") from None
        if flag is None:
            con.execute("rollback")
            raise ReviewError(
                f"no flag {flag_id!r} in marts.padding_flags of {warehouse}: copy the flag_id from the report or the alert mail."
            )
        con.execute(CREATE_REVIEWS)
        review = Review(str(uuid.uuid4()), flag_id, flag[0], verdict, datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None).isoformat(sep=" "))
        con.execute(
            f"insert into {REVIEWS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)",
            [review.review_id, flag_id, flag[0], flag[1], verdict, note, by.strip(), review.reviewed_at],
        )
        con.execute("commit")
    return review


def latest_verdicts(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, dict]:
    """flag_id -> its latest verdict, from `catalog` (an attached warehouse); empty if there are none yet."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_catalog = ? and table_schema = 'ops' and table_name = 'flag_reviews'",
        [catalog],
    ).fetchone()[0]
    if not exists:
        return {}
    rows = con.execute(LATEST_VERDICTS.format(table=f"{catalog}.{REVIEWS_TABLE}")).fetchall()
    return {
        flag_id: {"verdict": verdict, "note": note, "reviewed_by": by, "reviewed_at": str(at)}
        for flag_id, verdict, note, by, at in rows
    }
