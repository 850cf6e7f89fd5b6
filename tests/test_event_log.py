"""The event log of fingertip's Dagster homes (orchestration/event_log.py): Dagster's own SQLite
files, written through connections that stay open by `fingertip run` and by every process of
`dagster dev`, and read back whole by Dagster's default storage."""

from __future__ import annotations

import collections
import shutil
import threading
import time
from pathlib import Path

import yaml
from dagster import (
    AssetCheckResult,
    AssetKey,
    AssetMaterialization,
    BackfillPolicy,
    DagsterEventType,
    DagsterInstance,
    DailyPartitionsDefinition,
    Definitions,
    EventRecordsFilter,
    MaterializeResult,
    asset,
    asset_check,
    define_asset_job,
    job,
    op,
)
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.utils import make_new_run_id

from orchestration.event_log import KEPT_FILES, PooledSqliteEventLogStorage, build_instance
from orchestration.settings import DAGSTER_YAML, PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG, ensure_dagster_home


@asset
def counted() -> int:
    return 3


@asset_check(asset=counted)
def counted_is_positive(counted: int) -> AssetCheckResult:
    return AssetCheckResult(passed=counted > 0)


JOB = Definitions(assets=[counted], asset_checks=[counted_is_positive], jobs=[define_asset_job("count")]).resolve_job_def("count")

DAYS = DailyPartitionsDefinition(start_date="2026-09-01", end_date="2026-09-11")


@asset(partitions_def=DAYS, backfill_policy=BackfillPolicy.single_run())
def delivered() -> MaterializeResult:
    """Ten days in one run, as `fingertip run` ingests them: one materialization per day."""
    return MaterializeResult()


DAYS_JOB = Definitions(assets=[delivered], jobs=[define_asset_job("deliver")]).resolve_job_def("deliver")
TEN_DAYS = {PARTITION_RANGE_START_TAG: "2026-09-01", PARTITION_RANGE_END_TAG: "2026-09-10"}


def _recording_batches(storage: PooledSqliteEventLogStorage) -> list[list[str]]:
    """The event types of each batch the storage is handed, from now on."""
    batches, store_batch = [], storage.store_event_batch

    def recorded(events):
        batches.append([event.dagster_event_type for event in events])
        return store_batch(events)

    storage.store_event_batch = recorded
    return batches


def _days_materialized(instance: DagsterInstance, run_id: str) -> list[str]:
    records = instance.fetch_materializations(AssetKey("delivered"), limit=100).records
    return sorted(r.partition_key for r in records if r.run_id == run_id)


def _pooled(instance: DagsterInstance) -> PooledSqliteEventLogStorage:
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage), type(storage)
    return storage


def _default_storage(home: Path) -> DagsterInstance:
    """The instance of `home` with Dagster's own SQLite event log over the same files."""
    default = {"module": "dagster._core.storage.event_log", "class": "SqliteEventLogStorage"}
    default["config"] = {"base_dir": str(home / "history" / "runs")}
    return DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides={"event_log_storage": default}))


def test_dagster_dev_opens_the_homes_event_log_through_open_files_and_a_copied_home_its_own(tmp_path: Path):
    """`dagster dev`'s webserver, daemon and run workers open the home from its dagster.yaml:
    they get the pooled storage over Dagster's usual files (history/runs/ in the home). A home
    copied elsewhere gets its own folder's files, and a home whose dagster.yaml a user wrote keeps it."""
    home = tmp_path / "home"
    ensure_dagster_home(home)
    with DagsterInstance.from_config(str(home)) as opened:
        assert _pooled(opened)._base_dir == str(home / "history" / "runs")
        run = JOB.execute_in_process(instance=opened).run_id
    assert (home / "history" / "runs" / f"{run}.db").exists()

    copy = tmp_path / "copy"
    shutil.copytree(home, copy)
    ensure_dagster_home(copy)
    with DagsterInstance.from_config(str(copy)) as opened:
        assert _pooled(opened)._base_dir == str(copy / "history" / "runs")
        assert [r.run_id for r in opened.get_runs()] == [run]

    own = tmp_path / "own"
    own.mkdir()
    (own / "dagster.yaml").write_text(DAGSTER_YAML.replace("max_concurrent_runs: 2", "max_concurrent_runs: 5"))
    ensure_dagster_home(own)
    assert "event_log_storage" not in yaml.safe_load((own / "dagster.yaml").read_text())


GO = threading.Event()


@op
def logs_once_let_go(context) -> None:
    context.log.info("started")
    assert GO.wait(30)
    for n in range(5):
        context.log.info(f"step {n}")


@job
def logging_job():
    logs_once_let_go()


def test_the_uis_live_view_of_a_run_sees_each_event_as_another_process_writes_it(tmp_path: Path):
    """The UI reads a run, then watches its file for new events, while a run worker writes them;
    both keep their connections open, so new events reach the run's write-ahead log first."""
    ensure_dagster_home(tmp_path)
    run_id, seen = make_new_run_id(), []
    GO.clear()
    with DagsterInstance.from_config(str(tmp_path)) as ui, build_instance(tmp_path) as worker:
        running = threading.Thread(target=lambda: logging_job.execute_in_process(instance=worker, run_id=run_id))
        running.start()
        try:
            deadline = time.monotonic() + 30
            while "started" not in [r.event_log_entry.user_message for r in ui.get_records_for_run(run_id).records]:
                assert time.monotonic() < deadline, "the run never logged its first event"
                time.sleep(0.1)
            first = ui.get_records_for_run(run_id)
            ui.watch_event_logs(run_id, first.cursor, watched := lambda event, _cursor: seen.append(event))
        finally:
            GO.set()
            running.join(30)
        written = ui.get_records_for_run(run_id, first.cursor).records
        deadline = time.monotonic() + 10
        while len(seen) < len(written) and time.monotonic() < deadline:
            time.sleep(0.1)
        ui.end_watch_event_logs(run_id, watched)
    assert [e.user_message for e in seen] == [r.event_log_entry.user_message for r in written]
    assert any(e.dagster_event_type == DagsterEventType.RUN_SUCCESS for e in seen)


def test_a_run_stored_through_open_files_reads_back_whole_with_dagsters_default_storage(tmp_path: Path):
    ensure_dagster_home(tmp_path)
    with build_instance(tmp_path) as instance:
        result = JOB.execute_in_process(instance=instance)
        assert result.success
        written = [(r.dagster_event_type, r.step_key) for r in instance.all_logs(result.run_id)]
        assert _pooled(instance)._engines, "the run was written without keeping a file open"

    with _default_storage(tmp_path) as default:
        assert type(default.event_log_storage) is not PooledSqliteEventLogStorage
        assert [(r.dagster_event_type, r.step_key) for r in default.all_logs(result.run_id)] == written
        assert DagsterEventType.RUN_SUCCESS in {kind for kind, _ in written}
        # The index file (asset materializations, check results) got its copies too.
        materialized = default.fetch_materializations(AssetKey("counted"), limit=10).records
        assert [m.run_id for m in materialized] == [result.run_id]
        check = default.event_log_storage.get_latest_asset_check_execution_by_key([counted_is_positive.check_key])
        assert check[counted_is_positive.check_key].run_id == result.run_id


def test_its_files_are_in_wal_mode_and_a_commit_waits_for_no_flush_of_its_own(tmp_path: Path):
    ensure_dagster_home(tmp_path)
    with build_instance(tmp_path) as instance:
        result = JOB.execute_in_process(instance=instance)
        storage = _pooled(instance)
        for shard in (result.run_id, "index"):
            with storage._connect(shard) as conn:
                assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal", shard
                assert conn.exec_driver_sql("pragma synchronous").scalar() == 1, shard  # NORMAL: flushed at checkpoints


def test_it_keeps_only_the_last_files_open_and_reopens_an_older_one(tmp_path: Path):
    ensure_dagster_home(tmp_path)
    with build_instance(tmp_path) as instance:
        runs = [JOB.execute_in_process(instance=instance).run_id for _ in range(KEPT_FILES + 2)]
        storage = _pooled(instance)
        assert len(storage._engines) == KEPT_FILES
        assert runs[0] not in storage._engines and runs[-1] in storage._engines
        assert any(r.dagster_event_type == DagsterEventType.RUN_SUCCESS for r in instance.all_logs(runs[0]))
        assert runs[0] in storage._engines


def test_a_wiped_event_log_closes_its_files_first_and_takes_new_events(tmp_path: Path):
    ensure_dagster_home(tmp_path)
    with build_instance(tmp_path) as instance:
        first = JOB.execute_in_process(instance=instance).run_id
        instance.event_log_storage.wipe()
        assert not list((tmp_path / "history" / "runs").glob(f"{first}.db*"))
        instance.report_runless_asset_event(AssetMaterialization("counted"))
        assert instance.event_log_storage.get_event_records(
            EventRecordsFilter(event_type=DagsterEventType.ASSET_MATERIALIZATION, asset_key=AssetKey("counted"))
        )


def test_whether_an_index_table_or_column_exists_is_asked_of_sqlite_once(tmp_path: Path, monkeypatch):
    """Dagster asks before it stores each asset and check event, and its SQLite storage opens a new
    connection, or reads the table's columns, for each question: about 300 and 440 of them in a
    build of the hand-made landing."""
    asked, table, column = (
        collections.Counter(),
        SqliteEventLogStorage.has_table,
        SqlEventLogStorage._has_asset_key_col_on_connection,
    )
    monkeypatch.setattr(SqliteEventLogStorage, "has_table", lambda self, name: asked.update([name]) or table(self, name))
    monkeypatch.setattr(
        SqlEventLogStorage,
        "_has_asset_key_col_on_connection",
        lambda self, conn, name: asked.update([name]) or column(self, conn, name),
    )
    ensure_dagster_home(tmp_path)
    with build_instance(tmp_path) as instance:
        for _ in range(3):
            assert JOB.execute_in_process(instance=instance).success
        checked = instance.event_log_storage.get_latest_asset_check_execution_by_key([counted_is_positive.check_key])
    assert checked[counted_is_positive.check_key].status.value == "SUCCEEDED"
    assert asked["asset_check_executions"] == 1
    assert asked["last_materialization_timestamp"] == 1


def test_a_home_that_chooses_its_own_storage_keeps_it(tmp_path: Path):
    own = f"""
event_log_storage:
  module: dagster._core.storage.event_log
  class: SqliteEventLogStorage
  config:
    base_dir: {tmp_path / "elsewhere"}
"""
    (tmp_path / "dagster.yaml").write_text(DAGSTER_YAML + own)
    ensure_dagster_home(tmp_path)
    with build_instance(tmp_path) as instance:
        assert type(instance.event_log_storage) is not PooledSqliteEventLogStorage
        run = JOB.execute_in_process(instance=instance).run_id
    assert (tmp_path / "elsewhere" / f"{run}.db").exists()


def test_the_planned_events_and_a_steps_partitions_are_stored_as_batches_that_read_back_whole(tmp_path: Path):
    ensure_dagster_home(tmp_path)
    with build_instance(tmp_path) as instance:
        batches = _recording_batches(_pooled(instance))
        result = DAYS_JOB.execute_in_process(instance=instance, tags=TEN_DAYS)
        assert result.success
    planned, materialized = DagsterEventType.ASSET_MATERIALIZATION_PLANNED, DagsterEventType.ASSET_MATERIALIZATION
    assert batches == [[planned] * 10, [materialized] * 10]
    with DagsterInstance.from_config(str(tmp_path)) as default:  # what `make dev` opens
        assert _days_materialized(default, result.run_id) == [f"2026-09-{d:02}" for d in range(1, 11)]
        kinds = [r.dagster_event_type for r in default.all_logs(result.run_id)]
        assert kinds.count(planned) == 10 and kinds.count(materialized) == 10


def test_a_batch_that_fails_halfway_leaves_nothing_and_dagster_stores_its_events_one_by_one(tmp_path: Path):
    ensure_dagster_home(tmp_path)
    with build_instance(tmp_path) as instance:
        storage = _pooled(instance)
        batches = _recording_batches(storage)
        store_event, stored_in_batches = storage.store_event, []

        def failing_on_the_fifth_of_a_batch(event):
            if storage._batch is not None:
                stored_in_batches.append(event)
                if len(stored_in_batches) == 5:
                    raise OSError("disk full")
            return store_event(event)

        storage.store_event = failing_on_the_fifth_of_a_batch
        result = DAYS_JOB.execute_in_process(instance=instance, tags=TEN_DAYS)
        assert result.success
        assert len(batches) == 2 and len(stored_in_batches) == 5 + 10  # the first batch failed at its fifth
    with DagsterInstance.from_config(str(tmp_path)) as default:
        kinds = [r.dagster_event_type for r in default.all_logs(result.run_id)]
        assert kinds.count(DagsterEventType.ASSET_MATERIALIZATION_PLANNED) == 10  # not 14: the four were rolled back
        assert _days_materialized(default, result.run_id) == [f"2026-09-{d:02}" for d in range(1, 11)]
