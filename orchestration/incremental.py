"""Which months of event time a dbt build recomputes (issue 8).

The big event sources are staged by microbatch models, one batch per month of
event time (dbt_project/macros/microbatch.sql), and so are their monthly
counts. A build names the months to rebuild with --event-time-start and
--event-time-end; every other model is rebuilt whole from those tables.

After a successful build the warehouse keeps what its staging was built from
(STATE_TABLE: every lake file of those sources, by its path in the lake, with
its size and modification time, and the dbt project's fingerprint). The next
build compares the lake with it:

- nothing recorded, another project (models, thresholds, dbt's version) or the
  Spark engine (its tables live in Spark's own metastore): every
  month the lake holds is rebuilt from scratch (--full-refresh);
- otherwise the changed delivery days (new, re-delivered or removed) reach the
  months of every delivery of every id they hold, now or before the change; the
  rebuilt range runs from the first of those months to the last. The first
  delivery of an id wins whatever month it carries, so a change can move an id's
  winner to another month: that month is in the range too.

The result equals a full rebuild's (tests/test_incremental_build.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from orchestration.settings import TIMEZONE
from sources.contract import EVENT_SPECS
from storage.publish import quote_identifier

# What the warehouse records about the lake its microbatch models were built from.
STATE_SCHEMA, STATE_TABLE = "ops", "microbatch_built_from"
# The staging models' column naming the delivery day a row came from.
DELIVERED_ON = "delivered_on"
# Items of the state that are not lake files (the last build's plan is there to be read, e.g. by
# `fingertip run`'s summary).
PROJECT_ITEM, LAST_BUILD_ITEM = "dbt project", "last build"
# The item naming everything else the last build read (build_inputs): equal now, the build is not run.
INPUTS_ITEM = "inputs"
# What the summary says of a build that did not run dbt.
NOT_RUN = "not run: nothing it reads changed since the last build"
# The tables of the warehouse dbt reads and does not build (models/staging/_ops__sources.yml).
OPS_INPUTS = ("flag_reviews",)


@dataclass(frozen=True)
class StagedSource:
    """A lake source staged month by month: its id and event time, and the microbatch model staging it."""

    source: str
    id_column: str
    event_time: str
    schema: str
    table: str


@dataclass(frozen=True)
class MonthPlan:
    """The months [first_month, end_month) a build rebuilds, and whether from scratch."""

    first_month: date
    end_month: date
    full_refresh: bool
    reason: str

    def dbt_args(self) -> list[str]:
        args = ["--event-time-start", self.first_month.isoformat(), "--event-time-end", self.end_month.isoformat()]
        return [*args, "--full-refresh"] if self.full_refresh else args

    def describe(self) -> str:
        months = f"{self.first_month:%Y-%m} to {_previous_month(self.end_month):%Y-%m}"
        return f"{'full rebuild' if self.full_refresh else 'incremental build'} of months {months}: {self.reason}"


def staged_sources(manifest: Mapping) -> list[StagedSource]:
    """The lake sources that have an event_time and the microbatch model reading each, from dbt's manifest."""
    timed = {uid: node for uid, node in manifest["sources"].items() if (node.get("config") or {}).get("event_time")}
    staged = []
    for node in manifest["nodes"].values():
        config = node.get("config") or {}
        if node["resource_type"] != "model" or config.get("incremental_strategy") != "microbatch":
            continue
        for uid in node["depends_on"]["nodes"]:
            if uid in timed:
                source = timed[uid]["name"]
                staged.append(
                    StagedSource(
                        source=source,
                        id_column=EVENT_SPECS[source].id_column,
                        event_time=timed[uid]["config"]["event_time"],
                        schema=node["schema"],
                        table=node.get("alias") or node["name"],
                    )
                )
    return sorted(staged, key=lambda s: s.source)


def load_manifest(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def lake_files(lake: Path, sources: Iterable[str]) -> dict[str, str]:
    """Every Parquet file of `sources` in the lake (path relative to it) -> "size:modification time (ns)"."""
    files = {}
    for source in sources:
        for file in sorted((lake / source).rglob("*.parquet")):
            stat = file.stat()
            files[file.relative_to(lake).as_posix()] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return files


def _delivery_day(relative: str) -> str | None:
    """`checkins/dt=2026-09-01/data.parquet` -> "2026-09-01"; None for a file outside a day folder."""
    for part in relative.split("/"):
        if part.startswith("dt="):
            return part.removeprefix("dt=")
    return None


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def _span(months: Iterable[date], full_refresh: bool, reason: str, today: date | None) -> MonthPlan:
    months = sorted(set(months))
    if not months:  # an empty lake: this month, so that the (empty) tables exist
        months = [_month(today or datetime.now(ZoneInfo(TIMEZONE)).date())]
    return MonthPlan(months[0], _next_month(months[-1]), full_refresh, reason)


def _all_months(con: duckdb.DuckDBPyConnection, lake: Path, staged: list[StagedSource]) -> set[date]:
    months: set[date] = set()
    for s in staged:
        files = [str(lake / f) for f in lake_files(lake, [s.source])]
        if files:
            event_time = quote_identifier(s.event_time)
            rows = con.execute(
                f"select distinct cast(date_trunc('month', {event_time}) as date) "
                f"from read_parquet(?, union_by_name = true) where {event_time} is not null",
                [files],
            ).fetchall()
            months.update(month for (month,) in rows)
    return months


def recorded_state(con: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    """item -> fingerprint, as the last successful build recorded them; None if none did."""
    [(exists,)] = con.execute(
        "select count(*) from information_schema.tables where table_catalog = current_database() "
        "and table_schema = ? and table_name = ?",
        [STATE_SCHEMA, STATE_TABLE],
    ).fetchall()
    if not exists:
        return None
    return dict(
        con.execute(f"select item, fingerprint from {quote_identifier(STATE_SCHEMA)}.{quote_identifier(STATE_TABLE)}").fetchall()
    )


def _touched_months(
    con: duckdb.DuckDBPyConnection, lake: Path, s: StagedSource, now: dict[str, str], changed_days: set[str]
) -> set[date]:
    """Months of every delivery, in the lake or in the staged table, of the ids a changed day holds or held."""
    all_files = [str(lake / f) for f in now if f.startswith(f"{s.source}/")]
    changed_files = [str(lake / f) for f in now if f.startswith(f"{s.source}/") and _delivery_day(f) in changed_days]
    staged = f"{quote_identifier(s.schema)}.{quote_identifier(s.table)}"
    key, event_time = quote_identifier(s.id_column), quote_identifier(s.event_time)
    in_lake = f"select {key}, {event_time} from read_parquet(?, union_by_name = true)"
    ids = f"select {key} from {staged} where cast({DELIVERED_ON} as varchar) in (select unnest(?))"
    params: list = [[date.fromisoformat(d).isoformat() for d in changed_days]]
    if changed_files:
        ids += f" union select {key} from read_parquet(?, union_by_name = true)"
        params.append(changed_files)
    lake_part = (
        f"select {event_time} from ({in_lake}) as lake where {key} in (select {key} from changed_ids) union all "
        if all_files
        else ""
    )
    if all_files:
        params.append(all_files)
    rows = con.execute(
        f"with changed_ids as ({ids}) "
        f"select distinct cast(date_trunc('month', {event_time}) as date) from ("
        f"{lake_part}select {event_time} from {staged} where {key} in (select {key} from changed_ids)"
        f") as deliveries where {event_time} is not null",
        params,
    ).fetchall()
    return {month for (month,) in rows}


def plan_months(
    con: duckdb.DuckDBPyConnection | None,
    lake: Path,
    staged: list[StagedSource],
    project: str,
    engine: str,
    today: date | None = None,
) -> MonthPlan:
    """The months this build rebuilds. `con` reads the warehouse (None: there is none yet);
    `today` (default: today in Asia/Shanghai) is the month an empty lake builds."""
    memory = con or duckdb.connect()
    now = lake_files(lake, [s.source for s in staged])
    recorded = recorded_state(con) if con is not None else None
    if engine != "duckdb":
        reason = f"the {engine} engine keeps its tables in its own metastore"
    elif recorded is None:
        reason = "the warehouse records no earlier build of its staging"
    elif recorded.get(PROJECT_ITEM) != project:
        reason = "the dbt project changed since the last build"
    else:
        before = {item: value for item, value in recorded.items() if item not in (PROJECT_ITEM, LAST_BUILD_ITEM, INPUTS_ITEM)}
        changed = {f for f in now.keys() | before.keys() if now.get(f) != before.get(f)}
        outside_days = sorted(f for f in changed if _delivery_day(f) is None)
        if outside_days:
            reason = f"{outside_days[0]} changed"
        else:
            months: set[date] = set()
            try:
                for s in staged:
                    days = {_delivery_day(f) for f in changed if f.startswith(f"{s.source}/")}
                    if days:
                        months |= _touched_months(con, lake, s, now, days)
            except duckdb.CatalogException as missing:  # a staged table was dropped by hand
                return _span(_all_months(memory, lake, staged), True, f"a staged table is missing ({missing})", today)
            if not months:  # nothing changed: one month (the last) is rebuilt, cheaply, to the same rows
                months = set(sorted(_all_months(memory, lake, staged))[-1:])
            days = sorted({_delivery_day(f) for f in changed})
            reason = f"{len(days)} delivery day(s) changed" + (f" ({days[0]} to {days[-1]})" if days else "")
            return _span(months, False, reason, today)
    return _span(_all_months(memory, lake, staged), True, reason, today)


def build_inputs(con: duckdb.DuckDBPyConnection, lake: Path) -> str:
    """One hash of everything a dbt build reads besides its project: every Parquet file of the lake
    (path, size, modification time: the loads rewrite only what changed, storage/load_receipts.py)
    and the warehouse tables it reads and does not build (the inspectors' verdicts)."""
    digest = hashlib.sha256()
    for file in sorted(lake.rglob("*.parquet")):
        stat = file.stat()
        digest.update(f"{file.relative_to(lake).as_posix()} {stat.st_size}:{stat.st_mtime_ns}\n".encode())
    digest.update(ops_inputs_state(con).encode())
    return digest.hexdigest()


def ops_inputs_state(con: duckdb.DuckDBPyConnection) -> str:
    """The warehouse tables dbt reads and does not build (the inspectors' verdicts), as they are now."""
    state = ""
    for table in OPS_INPUTS:
        relation = f"{quote_identifier(STATE_SCHEMA)}.{quote_identifier(table)}"
        try:  # append-only, one new uuid per row
            rows = con.execute(f"select count(*), coalesce(sum(hash(review_id)), 0) from {relation}").fetchone()
        except duckdb.CatalogException:  # none yet: dbt's source reads an empty table then
            rows = None
        state += f"{table} {rows}\n"
    return state


def missing_relations(con: duckdb.DuckDBPyConnection, manifest: Mapping) -> list[str]:
    """The tables dbt builds (models and seeds of the manifest) that the warehouse does not hold."""
    held = set(
        con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = current_database()"
        ).fetchall()
    )
    built = [
        (node["schema"], node.get("alias") or node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed") and (node.get("config") or {}).get("enabled", True)
    ]
    return sorted(f"{schema}.{table}" for schema, table in built if (schema, table) not in held)


def nothing_changed(con: duckdb.DuckDBPyConnection, manifest: Mapping, project: str, inputs: str) -> bool:
    """Whether the last successful build read these inputs with this project and its tables are all
    there: then a build would write the same tables again, and is not run."""
    recorded = recorded_state(con)
    return (
        recorded is not None
        and recorded.get(PROJECT_ITEM) == project
        and recorded.get(INPUTS_ITEM) == inputs
        and not missing_relations(con, manifest)
    )


def record_not_run(con: duckdb.DuckDBPyConnection) -> None:
    """The last build's line of the state, after a build that did not run dbt."""
    table = f"{quote_identifier(STATE_SCHEMA)}.{quote_identifier(STATE_TABLE)}"
    con.execute(f"update {table} set fingerprint = ? where item = ?", [NOT_RUN, LAST_BUILD_ITEM])


def record_built_from(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    staged: list[StagedSource],
    project: str,
    plan: MonthPlan,
    inputs: str | None = None,
) -> None:
    """After a successful build: what its microbatch models were built from, and how; and (`inputs`,
    from build_inputs before it ran) everything else it read."""
    rows = [
        (PROJECT_ITEM, project),
        (LAST_BUILD_ITEM, plan.describe()),
        *([(INPUTS_ITEM, inputs)] if inputs is not None else []),
        *lake_files(lake, [s.source for s in staged]).items(),
    ]
    table = f"{quote_identifier(STATE_SCHEMA)}.{quote_identifier(STATE_TABLE)}"
    con.execute(f"create schema if not exists {quote_identifier(STATE_SCHEMA)}")
    con.execute(f"create or replace table {table} (item varchar primary key, fingerprint varchar not null)")
    con.executemany(f"insert into {table} values (?, ?)", rows)
