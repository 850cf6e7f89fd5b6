"""Paths and switches, read from the environment in one place.

`fingertip run`, `dagster dev` and the schedules all read the same variables,
so the UI and the CLI always work on the same files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# The delivery days Dagster knows of: daily partitions from the first to the
# last day. A fixed last day (not "today") so that data dated after this
# machine's clock is still read; dt= folders outside are reported, not read.
# Override with FINGERTIP_FIRST_DAY / FINGERTIP_LAST_DAY.
DEFAULT_FIRST_DAY = "2015-01-01"
DEFAULT_LAST_DAY = "2040-12-31"
# Day boundaries of deliveries are local (landing contract).
from sources.contract import (  # noqa: E402
    CLEAR_EMPTY_DAYS_ENV,
    DEFAULT_WINDOW_DAYS_AFTER,
    DEFAULT_WINDOW_DAYS_BEFORE,
    TIMEZONE,  # noqa: E402,F401  (re-exported: the schedules and CLI use it)
    WINDOW_DAYS_AFTER_ENV,
    WINDOW_DAYS_BEFORE_ENV,
)

# Every DuckDB writer runs in this Dagster concurrency pool (limit 1): DuckDB
# allows one writing process per file.
DUCKDB_POOL = "duckdb_warehouse"
# Dagster's run tags for a partition range (what a one-run backfill sets): public
# names with no public constant; tests/test_definitions.py checks them against Dagster's.
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"
# How long a build waits for what it must wait for (another build of the same
# warehouse, a Dagster run holding the DuckDB pool, a program holding the
# warehouse file open) before it gives up with a message.
DEFAULT_WAIT_SECONDS = 600


# Which engine builds the dbt project (issue 9): DuckDB in this process's warehouse
# file, or Apache Spark (the `spark` extra), whose marts come back into that file.
ENGINES = ("duckdb", "spark")


class SettingError(ValueError):
    """A setting the user gave cannot be used; the message says which and what to do."""


def _days_setting(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SETTING_DAYS:
        raise SettingError(
            f"{name}={text!r} is not a number of days (0..{MAX_SETTING_DAYS}): fix or unset it (default {default})."
        )
    return value


# A window of days longer than a century is a typing error.
MAX_SETTING_DAYS = 36500
# The landing sensor waits this long after a file last changed before it builds the day.
SENSOR_SETTLE_ENV = "FINGERTIP_SENSOR_SETTLE_SECONDS"


def plausible_window_days() -> tuple[int, int]:
    """(days before, days after) the delivery day an event's own time may lie (sources/contract.py)."""
    return (
        _days_setting(WINDOW_DAYS_BEFORE_ENV, DEFAULT_WINDOW_DAYS_BEFORE),
        _days_setting(WINDOW_DAYS_AFTER_ENV, DEFAULT_WINDOW_DAYS_AFTER),
    )


def clear_empty_days() -> bool:
    text = os.environ.get(CLEAR_EMPTY_DAYS_ENV, "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise SettingError(f"{CLEAR_EMPTY_DAYS_ENV}={text!r} is not true/false: fix or unset it (default false).")


def sensor_settle_seconds(default: float) -> float:
    return float(os.environ.get(SENSOR_SETTLE_ENV, default))


def alert_environment(variables: dict[str, str]) -> dict[str, str]:
    """The alert variables that are set: field name -> value."""
    return {name: os.environ[variable] for name, variable in variables.items() if variable in os.environ}


def wait_seconds() -> float:
    raw = os.environ.get("FINGERTIP_WAIT_SECONDS", str(DEFAULT_WAIT_SECONDS))
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise SettingError(f"FINGERTIP_WAIT_SECONDS={raw!r} is not a number of seconds: set it to e.g. {DEFAULT_WAIT_SECONDS}.")
    return value


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    publish: Path
    lake: Path
    first_day: str
    last_day: str
    reviews_inbox: Path  # inspectors' verdict CSVs
    dagster_home: Path  # Dagster's run records
    engine: str  # one of ENGINES
    spark_dir: Path  # Spark's catalog, scratch files and the Parquet it writes (engine spark)

    @classmethod
    def from_env(cls, overrides: Mapping[str, str | None] | None = None) -> Settings:
        """The settings the environment gives; `overrides` (variable name -> value, e.g. the
        CLI's options) win over it, and an unset one leaves the environment's value."""
        env = {**os.environ, **{name: value for name, value in (overrides or {}).items() if value}}
        for variable, default in (("FINGERTIP_FIRST_DAY", DEFAULT_FIRST_DAY), ("FINGERTIP_LAST_DAY", DEFAULT_LAST_DAY)):
            value = env.get(variable, default)
            try:
                date.fromisoformat(value)
            except ValueError:
                raise SettingError(f"{variable}={value!r} is not a date: set it as YYYY-MM-DD (default {default}).") from None
        engine = env.get("FINGERTIP_ENGINE", "").strip().lower() or ENGINES[0]
        if engine not in ENGINES:
            raise SettingError(
                f"FINGERTIP_ENGINE={env['FINGERTIP_ENGINE']!r} is not an engine: set it to {' or '.join(ENGINES)} (default {ENGINES[0]})."
            )
        data = PROJECT_ROOT / "data"
        warehouse = Path(env.get("FINGERTIP_WAREHOUSE", data / "warehouse.duckdb")).resolve()
        # The analysts' copy, the lake, the inbox and Dagster's records sit beside the warehouse unless told otherwise.
        return cls(
            landing=Path(env.get("FINGERTIP_LANDING", data / "landing")).resolve(),
            warehouse=warehouse,
            publish=Path(env.get("FINGERTIP_PUBLISH", warehouse.with_name("analytics.duckdb"))).resolve(),
            lake=Path(env.get("FINGERTIP_LAKE", warehouse.parent / "lake")).resolve(),
            first_day=env.get("FINGERTIP_FIRST_DAY", DEFAULT_FIRST_DAY),
            last_day=env.get("FINGERTIP_LAST_DAY", DEFAULT_LAST_DAY),
            reviews_inbox=Path(env.get("FINGERTIP_REVIEWS_INBOX", warehouse.parent / "reviews_inbox")).resolve(),
            dagster_home=Path(env.get("DAGSTER_HOME", warehouse.parent / ".dagster")).resolve(),
            engine=engine,
            spark_dir=Path(env.get("FINGERTIP_SPARK_DIR", warehouse.parent / "spark")).resolve(),
        )


# The instance config every fingertip DAGSTER_HOME gets: pools (here only the
# DuckDB writers' pool) run one step at a time. Under `dagster dev` the run
# monitor frees the pool slots of a run that ended without freeing them
# (`fingertip run` frees those of runs whose process is gone, see build.py).
# Two runs at a time from the UI, the schedule and the sensors (Dagster's default is 10): runs
# beyond two only wait for the warehouse's pool, each holding a process of its own (the landing
# sensor's first tick over 17 days, when it started a run per day, ran 10 at once).
DAGSTER_YAML = """\
concurrency:
  pools:
    default_limit: 1
  runs:
    max_concurrent_runs: 2
run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 30
telemetry:
  enabled: false
"""
# What earlier versions wrote: upgraded in place, a user's own config is left alone.
_OLD_DAGSTER_YAMLS = (
    DAGSTER_YAML,  # before stop 41, without the event log's storage
    """\
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
""",
    """\
concurrency:
  pools:
    default_limit: 1
run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 30
telemetry:
  enabled: false
""",
)


# The event log of every process that opens the home (`dagster dev`'s webserver, daemon and run
# workers, `fingertip run`): Dagster's SQLite files in their usual place, with the connections kept
# open (orchestration/event_log.py). Dagster's own storage opens each file anew for every read and
# write: a run of the hand-made landing launched in `dagster dev` took 9.3-9.6 s with it, 6.3-7.0 s
# with this one (docs/benchmarks.md, stop 41).
EVENT_LOG_STORAGE = {"module": "orchestration.event_log", "class": "PooledSqliteEventLogStorage"}


def dagster_yaml(home: Path) -> str:
    """The dagster.yaml fingertip writes into `home`: DAGSTER_YAML and the event log's files under it."""
    import yaml

    storage = {**EVENT_LOG_STORAGE, "config": {"base_dir": str(event_log_folder(home.resolve()))}}
    return DAGSTER_YAML + yaml.safe_dump({"event_log_storage": storage}, sort_keys=False)


def event_log_folder(home: Path) -> Path:
    """Where Dagster keeps a home's SQLite event log (its default: history/runs/ under the home)."""
    return home / "history" / "runs"


def names_pooled_storage(entry) -> bool:
    """Whether a dagster.yaml's storage entry is EVENT_LOG_STORAGE (wherever its files are)."""
    return isinstance(entry, dict) and all(entry.get(key) == value for key, value in EVENT_LOG_STORAGE.items())


def _written_by_fingertip(text: str) -> bool:
    """Whether a dagster.yaml is one fingertip wrote: an earlier version's, or this one's for any
    home (a home moved or copied elsewhere names the old folder's event log)."""
    import yaml

    if text in _OLD_DAGSTER_YAMLS:
        return True
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    if not isinstance(config, dict) or not names_pooled_storage(config.get("event_log_storage")):
        return False
    storage = config.pop("event_log_storage")
    return config == yaml.safe_load(DAGSTER_YAML) and set(storage) == {*EVENT_LOG_STORAGE, "config"}


def ensure_dagster_home(home: Path) -> None:
    """Write fingertip's instance config and create the instance's storage once.

    The SQLite storages are created by whichever process opens the instance
    first; two processes doing it at once (a `dagster dev` and a CLI run on a
    fresh home) can stamp the schema twice and break the instance for good.
    So the first opening happens here, under a file lock.
    """
    import fcntl

    home.mkdir(parents=True, exist_ok=True)
    with (home / ".fingertip-init.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        config, ours = home / "dagster.yaml", dagster_yaml(home)
        written = config.read_text() if config.exists() else None
        if written is None or (written != ours and _written_by_fingertip(written)):
            config.write_text(ours)
        if not (home / "history").exists() or not (home / "schedules").exists():
            from dagster import DagsterInstance

            DagsterInstance.from_config(str(home)).dispose()
