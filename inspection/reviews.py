"""ops.flag_reviews: inspectors' verdicts on flags, append-only.

`fingertip review FLAG_ID --verdict confirmed|dismissed|needs-evidence --note TEXT --by NAME`
appends one row. Rows are never updated or deleted: a later verdict on the
same flag is a new row, and a flag's verdict is its latest row.

dbt does not manage this table (it is created here, `if not exists`, like
ops.alert_outbox, and dbt never drops the ops schema), so a rebuild keeps it.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

import duckdb

from sources.contract import TIMEZONE
from storage.lock import open_lock, try_lock, wait_for

REVIEWS_TABLE = "ops.flag_reviews"
VERDICTS = ("confirmed", "dismissed", "needs-evidence")

CREATE_REVIEWS = f"""
create schema if not exists ops;
create table if not exists {REVIEWS_TABLE} (
    review_id varchar primary key,        -- a new uuid per verdict (from a CSV: derived from the file and row, so a re-read adds nothing)
    flag_id varchar not null,             -- marts.padding_flags.flag_id when the verdict was given
    flag_code varchar not null,           -- the flag's code and cadre then, so the verdict reads on its own
    cadre_id varchar,
    verdict varchar not null check (verdict in ('confirmed', 'dismissed', 'needs-evidence')),
    note varchar not null,
    reviewed_by varchar not null,
    reviewed_at timestamp not null        -- Asia/Shanghai wall-clock, like every warehouse timestamp
);
-- Added after the first release; a table created before keeps its rows and gains the columns.
alter table {REVIEWS_TABLE} add column if not exists evidence_at_review varchar;  -- the sentence the inspector saw
alter table {REVIEWS_TABLE} add column if not exists recorded_from varchar        -- 'cli' or the verdicts CSV's name
"""
INSERT_REVIEW = f"""
insert or ignore into {REVIEWS_TABLE}
    (review_id, flag_id, flag_code, cadre_id, verdict, note, reviewed_by, reviewed_at, evidence_at_review, recorded_from)
values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
# The flags a verdicts file names, in one query however many it names (the ids are one bound list).
FLAGS_FOR_REVIEW = "select flag_id, flag_code, cadre_id, evidence from marts.padding_flags where list_contains(?, flag_id)"

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

    def say_waiting() -> None:
        print(
            f"waiting: a fingertip run is building {warehouse}; waiting up to {wait:.0f} s (FINGERTIP_WAIT_SECONDS)",
            file=sys.stderr,
            flush=True,
        )

    def give_up() -> NoReturn:
        raise ReviewError(
            f"a fingertip run was still building {warehouse} after {wait:.0f} s; nothing was written: "
            "record the verdict again when it has finished, or set FINGERTIP_WAIT_SECONDS to wait longer.",
            exit_code=3,
        )

    fd = open_lock(warehouse)
    try:
        wait_for(lambda: try_lock(fd), wait, on_wait=say_waiting, give_up=give_up)
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


def _now() -> str:
    return datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None).isoformat(sep=" ")


def _check_arguments(verdict: str, by: str) -> str | None:
    """What is wrong with a verdict's fields, or None."""
    if verdict not in VERDICTS:
        return f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}"
    if not by.strip():
        return "the inspector's name is empty"
    return None


def record_review(warehouse: Path, flag_id: str, verdict: str, note: str, by: str, wait: float = 600) -> Review:
    """Append one verdict (after any build of this warehouse has finished, waiting up to `wait` seconds);
    nothing is written if the flag is unknown or an argument is wrong."""
    problem = _check_arguments(verdict, by)
    if problem:
        raise ReviewError(f"{problem}: pass --verdict {'|'.join(VERDICTS)} and --by NAME.")
    if not warehouse.is_file():
        raise ReviewError(f"the warehouse {warehouse} does not exist: pass --warehouse FILE or set FINGERTIP_WAREHOUSE.")
    with build_lock_held(warehouse, wait), _open_for_writing(warehouse) as con:
        con.execute("begin transaction")
        flag = _flags_by_id(con, warehouse, [flag_id]).get(flag_id)
        if flag is None:
            con.execute("rollback")
            raise ReviewError(
                f"no flag {flag_id!r} in marts.padding_flags of {warehouse}: copy the flag_id from the report or the alert mail."
            )
        con.execute(CREATE_REVIEWS)  # only now: an unknown flag leaves the file as it was
        review = Review(str(uuid.uuid4()), flag_id, flag[1], verdict, _now())
        con.execute(
            INSERT_REVIEW,
            [review.review_id, flag_id, flag[1], flag[2], verdict, note, by.strip(), review.reviewed_at, flag[3], "cli"],
        )
        con.execute("commit")
    return review


@contextlib.contextmanager
def _open_for_writing(warehouse: Path):
    try:
        con = duckdb.connect(str(warehouse))
    except duckdb.Error as error:
        raise ReviewError(
            f"cannot open the warehouse {warehouse} to write ({str(error).splitlines()[0]}): if a build is running, try again when it ends."
        ) from None
    with con:
        yield con


def _flags_by_id(con: duckdb.DuckDBPyConnection, warehouse: Path, flag_ids: list[str]) -> dict[str, tuple]:
    """The named flags of the last build: flag_id -> (flag_id, flag_code, cadre_id, evidence)."""
    try:
        rows = con.execute(FLAGS_FOR_REVIEW, [list(dict.fromkeys(flag_ids))]).fetchall()
    except duckdb.CatalogException:
        con.execute("rollback")
        raise ReviewError(f"{warehouse} has no marts.padding_flags: build it first with `fingertip run`.") from None
    return {row[0]: row for row in rows}


# ---------------------------------------------------------------- verdicts dropped as CSV files

# A verdicts CSV has a header with these columns (any order; extra columns are ignored).
INBOX_COLUMNS = ("flag_id", "verdict", "note", "reviewed_by")
APPLIED_FOLDER = "applied"
REJECTED_FOLDER = "rejected"


@dataclass
class InboxResult:
    applied: list[str] = field(default_factory=list)  # files whose verdicts were all recorded
    verdicts: int = 0  # verdicts recorded from them
    rejected: dict[str, list[str]] = field(default_factory=dict)  # file -> why (nothing of it was recorded)
    waiting: list[str] = field(default_factory=list)  # files left for the next build (no flags built yet)


def import_inbox(con: duckdb.DuckDBPyConnection, warehouse: Path, inbox: Path) -> InboxResult:
    """Record the verdicts of every CSV in `inbox`, a whole file or nothing of it.

    A file whose rows are all valid and name flags of the last build is recorded
    in one transaction and moved to `applied/`; any other is moved to `rejected/`
    with a `<name>.errors.txt` saying, line by line, what to fix. Row ids derive
    from the file's bytes and row number, so reading a file twice (a crash between
    the commit and the move) records nothing twice.
    """
    result = InboxResult()
    con.execute(CREATE_REVIEWS)  # dbt reads the table as a source: it must exist before the first build
    if not inbox.is_dir():
        return result
    has_flags = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'padding_flags'"
    ).fetchone()[0]
    for path in sorted(p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() == ".csv"):
        if not has_flags:
            result.waiting.append(path.name)
            continue
        rows, problems = _read_verdicts(path)
        con.execute("begin transaction")
        flags = _flags_by_id(con, warehouse, [row["flag_id"] for _, row in rows]) if not problems else {}
        problems += [
            f"line {line}: no flag {row['flag_id']!r} in marts.padding_flags (copy the flag_id from the report)"
            for line, row in rows
            if not problems and row["flag_id"] not in flags
        ]
        if problems:
            con.execute("rollback")
            result.rejected[path.name] = problems
            rejected = _move(path, inbox / REJECTED_FOLDER)
            rejected.with_name(rejected.name + ".errors.txt").write_text("\n".join(problems) + "\n")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        reviewed_at = _now()
        for line, row in rows:
            flag = flags[row["flag_id"]]
            con.execute(
                INSERT_REVIEW,
                [
                    str(uuid.uuid5(uuid.NAMESPACE_URL, f"{digest}:{line}")),
                    flag[0],
                    flag[1],
                    flag[2],
                    row["verdict"],
                    row["note"],
                    row["reviewed_by"].strip(),
                    reviewed_at,
                    flag[3],
                    path.name,
                ],
            )
        con.execute("commit")
        _move(path, inbox / APPLIED_FOLDER)
        result.applied.append(path.name)
        result.verdicts += len(rows)
    return result


def _read_verdicts(path: Path) -> tuple[list[tuple[int, dict]], list[str]]:
    """(line number, row) of each verdict in the file, and what is wrong with it (empty if nothing)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in INBOX_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                return [], [f"the header lacks {', '.join(missing)}: the first line must name {', '.join(INBOX_COLUMNS)}"]
            rows = [(reader.line_num, {k: (row[k] or "").strip() for k in INBOX_COLUMNS}) for row in reader]
    except (UnicodeDecodeError, csv.Error) as error:
        return [], [f"not a readable UTF-8 CSV ({error}): save it as CSV UTF-8"]
    problems = [
        f"line {line}: {problem}" for line, row in rows if (problem := _check_arguments(row["verdict"], row["reviewed_by"]))
    ]
    problems += [f"line {line}: flag_id is empty" for line, row in rows if not row["flag_id"]]
    if not rows:
        problems.append("no verdicts under the header")
    return rows, problems


def _move(path: Path, folder: Path) -> Path:
    """Move `path` into `folder`, never over an earlier file of the same name."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}.{datetime.now().strftime('%Y%m%dT%H%M%S%f')}{path.suffix}"
    path.replace(target)
    return target


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
