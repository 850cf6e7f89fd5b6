"""dbt-duckdb plugin: the warehouse file and the lake folder, named by the environment when dbt connects.

dbt keeps its parse state (partial parsing) only while the profile's connection values and the
`--vars` are those it parsed with. With the paths there, every build with other paths parsed the
whole project again (about 6 s). Read here, when dbt opens DuckDB, they take no part in the parse:

- FINGERTIP_WAREHOUSE: the DuckDB file, attached as the catalog `warehouse`, the profile's
  database (its main database is an empty in-memory one);
- FINGERTIP_LAKE: the lake folder, set as DuckDB's variable `lake_path` on every cursor; the lake
  sources read `getvariable('lake_path')` (dbt_project/models/staging/_lake__sources.yml).

Both default to the project's data/ folder, for dbt run by hand in dbt_project/
(dbt_project/profiles.yml names this module). The paths reach
DuckDB as bound parameters, never spliced into SQL.
"""

import os

from dbt.adapters.duckdb.plugins import BasePlugin

WAREHOUSE_ENV, DEFAULT_WAREHOUSE = "FINGERTIP_WAREHOUSE", "../data/warehouse.duckdb"
LAKE_ENV, DEFAULT_LAKE = "FINGERTIP_LAKE", "../data/lake"
CATALOG, LAKE_VARIABLE = "warehouse", "lake_path"


def _absolute(path: str) -> str:
    """A local path made absolute (dbt runs in dbt_project/); a URL (s3://...) as it is."""
    return path if "://" in path else os.path.abspath(path).replace("\\", "/")


def spill_folder(warehouse: str) -> str:
    """Where DuckDB spills during dbt's build: beside the warehouse, as DuckDB does for a file opened
    as its main database (an in-memory main database would spill into the working directory)."""
    return warehouse + ".tmp"


class Plugin(BasePlugin):
    def initialize(self, plugin_config):
        self.warehouse = _absolute(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)
        self.lake = _absolute(os.environ.get(LAKE_ENV) or DEFAULT_LAKE)

    def update_connection_config(self, creds, config):
        config.setdefault("temp_directory", spill_folder(self.warehouse))

    def configure_connection(self, conn):
        # Before the profile's `attach` entry of the same alias, whose IF NOT EXISTS then leaves this one.
        conn.execute(f"attach if not exists ? as {CATALOG}", [self.warehouse])
        self.configure_cursor(conn)

    def configure_cursor(self, cursor):
        cursor.execute(f"use {CATALOG}")
        cursor.execute(f"set variable {LAKE_VARIABLE} = ?", [self.lake])
