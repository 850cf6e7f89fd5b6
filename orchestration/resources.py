"""Every resource fingertip uses, built from the environment in one place."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import DBT_PROJECT_DIR, Settings


class LakePaths(ConfigurableResource):
    """Where landing files are read from, and where validated Parquet goes."""

    landing: str
    lake: str
    warehouse: str
    publish: str

    @property
    def landing_dir(self) -> Path:
        return Path(self.landing)

    @property
    def lake_dir(self) -> Path:
        return Path(self.lake)


# dbt is installed beside this interpreter (the project's venv), which need not
# be activated: make `dbt` findable for dagster-dbt.
_VENV_BIN = str(Path(sys.executable).parent)
if _VENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
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
        ),
        "dbt": DbtCliResource(project_dir=dbt_project),
    }
