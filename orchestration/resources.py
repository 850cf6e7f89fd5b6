"""Every resource fingertip uses, built from the environment in one place."""

from __future__ import annotations

import fcntl
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource, DbtProject
from dagster_duckdb import DuckDBResource

from alerts.settings import VARIABLES as ALERT_VARIABLES
from alerts.settings import AlertSettings
from orchestration.settings import DBT_PROJECT_DIR, Settings, alert_environment
from storage.publish import publish_marts


class LakePaths(ConfigurableResource):
    """Where landing files are read from, where validated Parquet goes, and the verdicts inbox."""

    landing: str
    lake: str
    reviews_inbox: str

    @property
    def landing_dir(self) -> Path:
        return Path(self.landing)

    @property
    def lake_dir(self) -> Path:
        return Path(self.lake)


class Warehouse(DuckDBResource):
    """The DuckDB warehouse file (`database`) and the analysts' copy published from it.

    Every step that reads or writes the warehouse in Python (verdicts, the marts'
    metadata, publishing, alerts) opens it here, for as short a time as it can:
    DuckDB allows one writing process per file, and a build's steps take turns
    (the DuckDB pool). `get_connection()` (dagster-duckdb) writes, and retries
    while another process briefly holds the file; `read_only()` reads.
    """

    published: str

    @contextmanager
    def read_only(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(self.database, read_only=True)
        try:
            yield con
        finally:
            con.close()

    def publish(self) -> dict[str, int]:
        """Replace the analysts' copy with the marts as they are now: rows per mart."""
        return publish_marts(Path(self.database), Path(self.published))


class AlertConfig(ConfigurableResource):
    """Alerting as configured: the FINGERTIP_ALERT_*, FINGERTIP_SMTP_* and FINGERTIP_OPS_TO
    variables as given; the password is bound with EnvVar, so the UI never shows it.
    `settings()` checks them and says in one line which one is wrong."""

    min_severity: str = ""
    to: str = ""
    routing: str = ""
    ops_to: str = ""
    sender: str = ""
    smtp_host: str = ""
    smtp_port: str = ""
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: str = ""
    smtp_timeout: str = ""

    def settings(self) -> AlertSettings:
        return AlertSettings.parse({variable: getattr(self, name) for name, variable in ALERT_VARIABLES.items()})


def alert_config_from_env() -> AlertConfig:
    """The alert settings the environment gives; the password stays an EnvVar, read when a run starts."""
    values = alert_environment(ALERT_VARIABLES)
    if "smtp_password" in values:
        values["smtp_password"] = EnvVar(ALERT_VARIABLES["smtp_password"])
    return AlertConfig(**values)


# dbt is installed beside this interpreter (the project's venv), which need not be activated.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


def _writable(folder: Path) -> bool:
    """Can this process create files in `folder` (or create `folder`)?"""
    while not folder.exists():
        folder = folder.parent
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def dbt_target_dir() -> Path:
    """Where dbt writes its manifest, compiled SQL and logs.

    dbt_project/target when this user can write it; otherwise (a shared
    checkout, another user's clone) a folder of this user's own in the temp
    directory, so that a build never needs write access to the code.
    DBT_TARGET_PATH, if set, wins.
    """
    if os.environ.get("DBT_TARGET_PATH"):
        return Path(os.environ["DBT_TARGET_PATH"]).resolve()
    default = DBT_PROJECT_DIR / "target"
    if _writable(default):
        return default
    own = Path(tempfile.gettempdir()) / f"fingertip-dbt-{os.getuid()}" / "target"
    own.mkdir(parents=True, exist_ok=True)
    return own


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=dbt_target_dir())


def dbt_cli() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


def dbt_path_vars(warehouse: str | Path, lake: str | Path) -> list[str]:
    """dbt's `--vars` for the files of this build: the profile opens `warehouse_path`, the
    sources read `lake_path` (both fall back to FINGERTIP_WAREHOUSE / FINGERTIP_LAKE, for dbt
    run by hand)."""
    return ["--vars", json.dumps({"warehouse_path": str(warehouse), "lake_path": str(lake)})]


def prepare_dbt_manifest(settings: Settings | None = None) -> None:
    """Parse the project into target/manifest.json, which dagster-dbt reads at import.

    With the build's own paths as vars, so that the build's `dbt build` can parse
    partially from this parse's state. One parse at a time (a `dagster dev` and a
    CLI run may start together): it rewrites the manifest.
    """
    settings = settings or Settings.from_env()
    target = Path(dbt_project.target_path)
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        dbt_cli().cli(["parse", "--quiet", *dbt_path_vars(settings.warehouse, settings.lake)], target_path=target).wait()


# Under `dagster dev` the manifest is rebuilt on load; the CLI and tests parse before they load.
if dbt_project.preparer.using_dagster_dev():
    prepare_dbt_manifest()


def build_resources(settings: Settings | None = None) -> dict:
    settings = settings or Settings.from_env()
    return {
        "paths": LakePaths(
            landing=str(settings.landing),
            lake=str(settings.lake),
            reviews_inbox=str(settings.reviews_inbox),
        ),
        "warehouse": Warehouse(database=str(settings.warehouse), published=str(settings.publish)),
        "alerts": alert_config_from_env(),
        "dbt": dbt_cli(),
    }
