"""Every resource fingertip uses, built from the environment in one place."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource, DbtProject

from alerts.settings import VARIABLES as ALERT_VARIABLES
from alerts.settings import AlertSettings
from orchestration.settings import DBT_PROJECT_DIR, Settings, alert_environment


class LakePaths(ConfigurableResource):
    """Where landing files are read from, and where validated Parquet goes."""

    landing: str
    lake: str
    warehouse: str
    publish: str
    reviews_inbox: str = ""  # inspectors' verdict CSVs (empty: reviews_inbox/ beside the warehouse)

    @property
    def landing_dir(self) -> Path:
        return Path(self.landing)

    @property
    def lake_dir(self) -> Path:
        return Path(self.lake)


class Warehouse(ConfigurableResource):
    """The DuckDB warehouse file. Every step that reads or writes it in Python (alerts,
    verdicts, the marts' metadata) opens it here, for as short a time as it can: DuckDB
    allows one writing process per file, and a build's steps take turns (the DuckDB pool)."""

    path: str

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(self.path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()


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


# dbt is installed beside this interpreter (the project's venv), which need not
# be activated: make `dbt` findable for dagster-dbt.
_VENV_BIN = str(Path(sys.executable).parent)
if _VENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")


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
    # dagster-dbt gives every dbt invocation its own folder under DBT_TARGET_PATH.
    os.environ["DBT_TARGET_PATH"] = str(own)
    os.environ.setdefault("DBT_LOG_PATH", str(own))
    return own


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=dbt_target_dir())
# Under `dagster dev` the manifest is rebuilt on load; the CLI and tests run `dbt parse` first.
dbt_project.prepare_if_dev()


def build_resources(settings: Settings | None = None) -> dict:
    settings = settings or Settings.from_env()
    settings.export()
    return {
        "paths": LakePaths(
            landing=str(settings.landing),
            lake=str(settings.lake),
            warehouse=str(settings.warehouse),
            publish=str(settings.publish),
            reviews_inbox=str(settings.reviews_inbox or settings.warehouse.parent / "reviews_inbox"),
        ),
        "warehouse": Warehouse(path=str(settings.warehouse)),
        "alerts": alert_config_from_env(),
        "dbt": DbtCliResource(project_dir=dbt_project),
    }
