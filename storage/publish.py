"""The analysts' copy: the marts, without raw personal data, swapped in atomically.

Published after every successful build (warehouse contract); the copy is a
separate DuckDB file, so an analyst's open connection never blocks a build.
"""

import os
from pathlib import Path

import duckdb

from storage.lock import pid_alive

MARTS = ("cadre_monthly", "app_portfolio", "unit_monthly", "padding_flags", "flag_review_outcomes")
# Older DuckDB (< 2.0), which analysts' tools may still bundle, cannot open
# storage version 2.0 files: write the copy in the 1.4 format.
PUBLISH_STORAGE_VERSION = "v1.4.0"
# The path is bound; the storage version is a fixed literal (ATTACH options take no parameters).
ATTACH_PUBLISHED = "attach ? as published (storage_version 'v1.4.0')"
assert PUBLISH_STORAGE_VERSION in ATTACH_PUBLISHED
# Columns that would carry raw personal data (device ids, IPs, exact positions,
# full names) are left out; the marts are built without them except the flags'
# evidence sentences, which name devices and positions for the inspectors.
WITHHELD_COLUMNS = {"padding_flags": ("evidence", "subject_id")}


def quote_identifier(name: str) -> str:
    """`name` as a DuckDB identifier: double-quoted, inner double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def publish_marts(warehouse: Path, target: Path) -> dict[str, int]:
    """Copy marts.* to `target` via a temporary file and an atomic rename.

    A reader holding the old file keeps reading it (the rename swaps the
    directory entry, not the open file), so an analyst never blocks a run.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    # A publish killed half-way leaves its temporary file (named by its pid): remove those of dead processes.
    for stale in target.parent.glob(f".{target.name}.*.tmp*"):
        pid = stale.name[len(target.name) + 2 :].split(".")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            stale.unlink(missing_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    counts = {}
    with duckdb.connect() as source:
        # Paths are bound parameters, never spliced into the SQL text.
        source.execute("attach ? as warehouse (read_only)", [str(warehouse)])
        source.execute("use warehouse")
        source.execute(ATTACH_PUBLISHED, [str(staging)])
        source.execute("create schema published.marts")
        for table in MARTS:
            withheld = WITHHELD_COLUMNS.get(table, ())
            columns = [
                name
                for (name,) in source.execute(
                    "select column_name from information_schema.columns "
                    "where table_catalog = 'warehouse' and table_schema = 'marts' and table_name = ? "
                    "order by ordinal_position",
                    [table],
                ).fetchall()
                if name not in withheld
            ]
            select_list = ", ".join(quote_identifier(c) for c in columns)
            name = quote_identifier(table)
            source.execute(f"create table published.marts.{name} as select {select_list} from marts.{name}")
            counts[table] = source.execute(f"select count(*) from published.marts.{name}").fetchone()[0]
        source.execute("detach published")
    os.replace(staging, target)
    return counts
