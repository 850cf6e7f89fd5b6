"""Every resource fingertip uses, built from the environment in one place."""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, EnvVar, InitResourceContext
from dagster_dbt import DbtCliResource, DbtProject
from dagster_duckdb import DuckDBResource
from packaging.version import Version  # dagster-dbt's own type for the dbt version

from alerts.settings import VARIABLES as ALERT_VARIABLES
from alerts.settings import AlertSettings
from orchestration.dbt_manifest import (
    MANIFEST_KEY_FILE,
    dbt_project_fingerprint,
    dbt_target_arg,
    dbt_target_dir,
    manifest_is_current,
)
from orchestration.settings import DBT_PROJECT_DIR, Settings, alert_environment
from storage import gx_process
from storage.publish import publish_marts, quote_identifier

# Engine spark: the schemas whose relations the Spark build writes as Parquet, one
# folder each under spark_dir/<schema>/, and the folder its verdicts are read from.
SPARK_OUTPUT_SCHEMAS = ("marts", "ops")
REVIEWS_EXPORT = "reviews"


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


class GxProcess(ConfigurableResource):
    """The run's Great Expectations process (storage/gx_process.py), ended when the run ends.

    The ingest starts it at its first loaded batch and the batch checks read its verdicts, so both
    hold this resource; Dagster tears it down once per run (every step runs in the run's process).
    The dbt step ends the process sooner, once it has answered; a run without one (its ingest and
    checks alone) would otherwise leave it running as long as the process that ran the run: a
    notebook or a service calling `execute_in_process` on a real instance."""

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        gx_process.stop()


class Warehouse(DuckDBResource):
    """The DuckDB warehouse file (`database`) and the analysts' copy published from it.

    Every step that reads or writes the warehouse in Python (verdicts, the marts'
    metadata, publishing, alerts) opens it here, for as short a time as it can:
    DuckDB allows one writing process per file, and a build's steps take turns
    (the DuckDB pool). `get_connection()` (dagster-duckdb) writes, and retries
    while another process briefly holds the file; `read_only()` reads.
    """

    published: str
    engine: str = "duckdb"  # settings.ENGINES: who builds the dbt project
    spark_dir: str = ""  # engine spark: where the Spark build writes its Parquet

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

    def spark_parquet(self, schema: str) -> Path:
        """Engine spark: the folder holding one Parquet folder per relation of `schema` that the
        build wrote (dbt_project/macros/spark_lake.sql, publish_marts)."""
        return Path(self.spark_dir) / schema

    def load_spark_output(self) -> dict[str, int]:
        """Engine spark: the marts and ops books the Spark build wrote as Parquet become this
        file's tables, so that publishing, the report, alerts and checks read one DuckDB file
        on either engine. Rows per relation loaded."""
        loaded = {}
        with self.get_connection() as con:
            for schema in SPARK_OUTPUT_SCHEMAS:
                folders = sorted(p for p in self.spark_parquet(schema).glob("*") if any(p.glob("*.parquet")))
                if folders:
                    con.execute(f"create schema if not exists {quote_identifier(schema)}")
                for folder in folders:
                    # The relation API takes the path as a value: nothing is spliced into SQL.
                    con.register("spark_output", con.read_parquet(str(folder / "*.parquet")))
                    relation = f"{quote_identifier(schema)}.{quote_identifier(folder.name)}"
                    con.execute(f"create or replace table {relation} as select * from spark_output")
                    con.unregister("spark_output")
                    [(rows,)] = con.execute(f"select count(*) from {relation}").fetchall()
                    loaded[f"{schema}.{folder.name}"] = rows
        return loaded

    def export_reviews_for_spark(self) -> None:
        """Engine spark: the inspectors' verdicts (ops.flag_reviews, kept in this file) as the
        Parquet file the Spark build reads them from (register_lake)."""
        target = self.spark_parquet(REVIEWS_EXPORT)
        target.mkdir(parents=True, exist_ok=True)
        with self.read_only() as con:
            [(exists,)] = con.execute(
                "select count(*) from information_schema.tables where table_schema = 'ops' and table_name = 'flag_reviews'"
            ).fetchall()
            if exists:
                con.sql("select * from ops.flag_reviews").write_parquet(str(target / "flag_reviews.parquet"))


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


# dbt is installed beside this interpreter (the project's venv), which need not be activated. On
# DuckDB a build runs dbt in its own process (orchestration/dbt_runner.py); on Spark, and for the
# manifest's parse, through `fingertip-dbt` (orchestration/dbt_process.py: dbt, its start-up without
# the cycle collector), or as `dbt` in an install that predates that script.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
_FINGERTIP_DBT = Path(sys.executable).parent / "fingertip-dbt"
BUILD_DBT_EXECUTABLE = str(_FINGERTIP_DBT) if _FINGERTIP_DBT.exists() else DBT_EXECUTABLE


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=dbt_target_dir())


class FingertipDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource without two start-up steps this project never uses (3.2 s a build).

    Before each dbt command dagster-dbt 0.29 runs `dbt --version` in a child process (1.9 s) and
    opens a dbt adapter in this process (1.3 s). The adapter serves only `fetch_row_counts()` and
    `fetch_column_metadata()`; the marts' metadata is read from the warehouse here instead
    (assets/dbt.py). The executable is this venv's own dbt, so its version is the dbt-core package's.
    tests/test_definitions.py fails if an upgrade of dagster-dbt renames what is overridden.
    """

    @cached_property
    def _cli_version(self) -> Version:
        from dbt.version import __version__ as dbt_version

        return Version(dbt_version)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None

    # On DuckDB dbt runs inside this process (orchestration/dbt_runner.py); on Spark in its own.
    in_process: bool = False

    def cli(self, args: Sequence[str], **options):
        """dagster-dbt's, with dbt in this process when `in_process` (orchestration/dbt_runner.py)."""
        if not self.in_process:
            return super().cli(args, **options)
        from orchestration import dbt_runner

        return dbt_runner.start_invocation(self, args, **options)


def dbt_cli(engine: str = "duckdb") -> DbtCliResource:
    return FingertipDbtCli(
        project_dir=dbt_project,
        dbt_executable=BUILD_DBT_EXECUTABLE,
        target=dbt_target_arg(engine),
        in_process=engine == "duckdb",
    )


# The files of a build, as dbt reads them: from the environment of its process, not from `--vars` or
# the profile, whose values dbt hashes into its parse state (another path, another whole parse).
# storage/dbt_files.py reads the first two on DuckDB, profiles.yml and
# macros/spark_lake.sql the last two on Spark.
DBT_PATH_VARIABLES = ("FINGERTIP_WAREHOUSE", "FINGERTIP_LAKE", "FINGERTIP_SPARK_DIR")


@contextmanager
def dbt_paths_in_environment(warehouse: str | Path, lake: str | Path, spark_dir: str | Path) -> Iterator[None]:
    """The build's paths in this process's environment while dbt runs (dagster-dbt gives dbt's process
    a copy of os.environ and takes no other; dbt inside this process reads it as it goes); the
    values before are put back after."""
    paths = dict(zip(DBT_PATH_VARIABLES, (warehouse, lake, spark_dir), strict=True))
    before = {name: os.environ.get(name) for name in paths}
    os.environ.update({name: str(Path(path).resolve()) for name, path in paths.items()})
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def prepare_dbt_manifest(settings: Settings | None = None) -> None:
    """Make target/manifest.json, which dagster-dbt reads at import, unless it is up to date.

    The manifest is cached: `dbt parse` (3-6 s) runs only when a project file,
    the engine's profile target or dbt's version changed since the last parse. No
    path takes part in a parse (dbt_paths_in_environment), so it serves every build,
    and a build's own `dbt build` parses only the files changed since. One parse at a time (a
    `dagster dev` and a CLI run may start together): it rewrites the manifest.
    """
    settings = settings or Settings.from_env()
    target = Path(dbt_project.target_path)
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        key = dbt_project_fingerprint(settings.engine)
        if manifest_is_current(settings.engine, key):
            return
        key_file = target / MANIFEST_KEY_FILE
        key_file.unlink(missing_ok=True)
        with dbt_paths_in_environment(settings.warehouse, settings.lake, settings.spark_dir):
            invocation = dbt_cli(settings.engine).cli(["parse", "--quiet"], target_path=target)
        invocation.wait()
        key_file.write_text(key)


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
        "gx": GxProcess(),
        "warehouse": Warehouse(
            database=str(settings.warehouse),
            published=str(settings.publish),
            engine=settings.engine,
            spark_dir=str(settings.spark_dir),
        ),
        "alerts": alert_config_from_env(),
        "dbt": dbt_cli(settings.engine),
    }
