"""The event log of fingertip's Dagster homes: Dagster's SQLite event log, with its files kept open.

Dagster's SqliteEventLogStorage creates an SQLAlchemy engine, opens the SQLite
file and throws both away for every read and write: three to five times per
event stored, 12-14 ms per asset event on 2 cores, and a build stores 700-1,000
events (docs/benchmarks.md, "Dagster's event log"). `PooledSqliteEventLogStorage`
keeps one open connection per file for the files used last, under the lock the
storage already takes around each connection. The files, their schema and what
is written are Dagster's own: Dagster's default storage reads them as before.
`fingertip run` and, through the dagster.yaml fingertip writes (settings.dagster_yaml),
every process of `dagster dev` use this one.

Dagster hands a storage the events it plans at run creation (one per asset and
partition, one per check) and a step's per-partition materializations as batches
when DAGSTER_EVENT_BATCH_SIZE is set (`batch_events`, which `build_instance` and the
definitions call); the pooled storage writes a batch in one transaction per file instead of three to five per event.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import yaml
from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.event import listen
from sqlalchemy.pool import StaticPool
from watchdog.events import FileSystemEvent, PatternMatchingEventHandler
from watchdog.observers import Observer

from orchestration.settings import EVENT_LOG_STORAGE, event_log_folder, names_pooled_storage

# dagster.yaml keys that choose the storage: a home that names its own keeps it as it is.
STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")
# A build writes to two files (its run's and the index); the UI's readers visit many runs.
KEPT_FILES = 8
# The output of a build's steps is not copied to files for the UI: the build log (last_build.log)
# holds dbt's, and the event log everything Dagster records. Dagster's capture mirrors stdout and
# stderr through a `tail` and a Python watcher process each (four processes a build), and on Ctrl-C
# its watchers print tracebacks of their own to the user's terminal.
NO_CAPTURED_OUTPUT = {
    "module": "dagster._core.storage.noop_compute_log_manager",
    "class": "NoOpComputeLogManager",
    "config": {},
}
# How long after a run's file last changed the UI's live view reads it once more (_WalWatchdog).
WATCH_READ_AGAIN_SECONDS = 0.5
# Events per batch (Dagster's DAGSTER_EVENT_BATCH_SIZE): a batch is flushed when full or at its end.
# A 61-day build plans about 450 events at its start; its ingest steps materialize 61 partitions each.
EVENT_BATCH_SIZE = "1000"


def _sync_at_checkpoints(dbapi_connection, _record) -> None:
    """SQLite's synchronous=NORMAL: in the WAL mode Dagster puts the files in, a commit is not
    flushed to disk on its own, only the checkpoints are (SQLite's documentation: the database
    stays consistent; a power cut may lose the last commits). Each event's commit waited for
    its fsync: 1.38 -> 0.80 ms per event (benchmarks/event_log_cost.py --pooled). A run cut
    short that way is one the next build already knows how to end (a killed run)."""
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage that keeps the connections of its last KEPT_FILES files open."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        # While a batch is stored: shard -> its connection, in a transaction that ends with the batch.
        self._batch: dict[str, Connection] | None = None
        # (kind, name): the index tables, asset-key columns and data migrations found (_remembered).
        self._known: set[tuple[str, str]] = set()
        super().__init__(base_dir, inst_data=inst_data)
        # Reentrant: store_event_batch holds it across the store_event calls, which take it again.
        self._db_lock = threading.RLock()

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # Same steps as Dagster's _connect, but the engine (one connection: StaticPool) is
        # kept. _db_lock is held until the transaction ends, so no two threads share it at once.
        with self._db_lock:
            if self._batch is not None:
                yield self._batch_connection(shard)
                return
            with self._engine(shard).connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str) -> Engine:
        """The shard's kept engine (opened, and its schema made, if need be); under _db_lock."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=StaticPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            listen(engine, "connect", _sync_at_checkpoints)
        self._engines[shard] = engine
        while len(self._engines) > KEPT_FILES:
            self._engines.popitem(last=False)[1].dispose()
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        return engine

    def _batch_connection(self, shard: str) -> Connection:
        if shard not in self._batch:
            conn = self._engine(shard).connect()
            conn.begin()
            self._batch[shard] = conn
        return self._batch[shard]

    def store_event_batch(self, events) -> None:
        """The events of a batch, as store_event stores them, in one transaction per file (the run's, the index)."""
        with self._db_lock:
            self._batch = {}
            try:
                for event in events:
                    self.store_event(event)
                for conn in self._batch.values():
                    conn.commit()
            except BaseException:
                for conn in self._batch.values():
                    conn.rollback()
                raise  # Dagster then stores the events one by one
            finally:
                for conn in self._batch.values():
                    conn.close()
                self._batch = None

    def watch(self, run_id: str, cursor: str | None, callback) -> None:
        """As Dagster's storage watches a run for the UI's live view, but through _WalWatchdog."""
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
        watchdog = _WalWatchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (watchdog, self._obs.schedule(watchdog, self._base_dir, recursive=True))

    def _close_files(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def has_table(self, table_name: str) -> bool:
        """Whether the index file has this table. Dagster asks for each asset and check event it
        stores (about 300 times for a build of the hand-made landing), opening a new connection
        each time: 0.8 ms a question. Migrations only add tables: one found is remembered."""
        return self._remembered("table", table_name, super().has_table)

    def has_secondary_index(self, name: str) -> bool:
        """As has_table, for a completed data migration (asked about 130 times a build)."""
        return self._remembered("secondary index", name, super().has_secondary_index)

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        """As has_table, for a column of the asset keys' table (a reflection of its columns, asked
        about 440 times a build)."""
        return self._remembered(
            "asset key column", column_name, functools.partial(super()._has_asset_key_col_on_connection, conn)
        )

    def _remembered(self, kind: str, name: str, ask) -> bool:
        if (kind, name) in self._known:
            return True
        found = bool(ask(name))
        if found:
            self._known.add((kind, name))
        return found

    def wipe(self) -> None:
        self._close_files()  # wipe deletes the run files: no connection may outlive them
        self._known.clear()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._close_files()


class _WalWatchdog(SqliteEventLogStorageWatchdog):
    """Dagster's watcher of a run's file, which also reads the run's new events when its write-ahead
    log changes. With connections kept open (in the writer, and in the UI's process, which reads
    the run), a commit goes to `<run>.db-wal` and reaches `<run>.db` only at a checkpoint, which an
    open reader may put off until every connection closes: watching `<run>.db` alone, the UI's
    run page saw none of a run's events while it ran (a reviewer's reproduction, stop 41)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PatternMatchingEventHandler.__init__(self, patterns=[self._log_path, f"{self._log_path}-wal"])
        self._reading = threading.Lock()  # one read at a time: each moves the cursor on
        self._again: threading.Timer | None = None

    def on_modified(self, event: FileSystemEvent) -> None:
        self._read()
        # A writer appends to the log, then marks the commit in its shared index (no file event): a
        # read between the two finds nothing, and after a run's last commit no event may come. So
        # the run is read once more a moment after its last change.
        if self._again is not None:
            self._again.cancel()
        self._again = threading.Timer(WATCH_READ_AGAIN_SECONDS, self._read)
        self._again.daemon = True
        self._again.start()

    def _read(self) -> None:
        with self._reading:
            self._process_log()


def batch_events() -> None:
    """Have Dagster hand the event log its batches whole (DAGSTER_EVENT_BATCH_SIZE, which it reads
    for each event), in whatever process runs the assets; Dagster's own storage stores a batch
    event by event, as before."""
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)


def build_instance(dagster_home: Path) -> DagsterInstance:
    """The instance of DAGSTER_HOME as its dagster.yaml makes it, with the pooled event log
    storage (the one the dagster.yaml names, as written; else over Dagster's default folder,
    history/runs/ under the home), unless the dagster.yaml chooses another storage itself
    (Postgres, say), and without copies of the steps' output (NO_CAPTURED_OUTPUT) unless it
    chooses its compute logs."""
    config = Path(dagster_home) / "dagster.yaml"
    chosen = yaml.safe_load(config.read_text()) if config.exists() else None
    if isinstance(chosen, dict) and any(key in chosen and not names_pooled_storage(chosen[key]) for key in STORAGE_KEYS):
        return DagsterInstance.from_config(str(dagster_home))
    storage = {**EVENT_LOG_STORAGE, "config": {"base_dir": str(event_log_folder(Path(dagster_home)))}}
    if isinstance(chosen, dict) and names_pooled_storage(chosen.get("event_log_storage")):
        storage = chosen["event_log_storage"]  # where `dagster dev` writes too
    batch_events()
    overrides = {"event_log_storage": storage}
    if not (isinstance(chosen, dict) and "compute_logs" in chosen):
        overrides["compute_logs"] = NO_CAPTURED_OUTPUT
    return DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home), overrides=overrides))
