"""The dbt project as Dagster assets: staging -> intermediate -> marts, ops."""

import contextlib
import graphlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetCheckEvaluation,
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetObservation,
    MetadataValue,
    Output,
    TableColumn,
    TableSchema,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from dagster_dbt.asset_utils import get_dbt_test_names_for_check_keys, get_manifest_and_translator_from_dbt_assets

from orchestration import incremental
from orchestration.checks import markdown
from orchestration.resources import LakePaths, Warehouse, dbt_paths_in_environment, dbt_project, dbt_project_fingerprint
from orchestration.settings import DUCKDB_POOL
from storage import gx_process
from storage.publish import WITHHELD_COLUMNS, quote_identifier

# Models in this dbt schema get row counts, column schemas and a preview on each materialization.
MARTS_SCHEMA = "marts"
# Each dbt build's own target folder is named build-<run>-..., and the newest few are kept for reading.
BUILD_TARGET_PREFIX, KEPT_BUILD_TARGETS = "build-", 5
# dbt's parse state, which lets a build parse only what changed since the last parse.
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# Rows shown in a mart's preview.
PREVIEW_ROWS = 10
# The mart of flags, its code column, and the dbt seed that lists every code
# (a code with no flag this run still gets its 0, so the UI's plot has no gap).
FLAGS_MART, FLAG_CODE_COLUMN, FLAG_REGISTRY_SEED = "padding_flags", "flag_code", "flag_codes"


class FingertipTranslator(DagsterDbtTranslator):
    """dbt sources are the ingest assets; models are keyed schema/name (marts/cadre_monthly)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # `lake.checkins` is produced by the `checkins` ingest asset.
            return AssetKey(dbt_resource_props["name"])
        schema = dbt_resource_props["config"].get("schema") or "main"
        return AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["config"].get("schema") or "warehouse"


def _relation(node: Mapping[str, Any]) -> str:
    return f"{quote_identifier(node['schema'])}.{quote_identifier(node.get('alias') or node['name'])}"


def flag_counts(con: duckdb.DuckDBPyConnection, flags: Mapping[str, Any], registry: Mapping[str, Any] | None) -> dict[str, int]:
    """Flags per code: every code of the registry seed (0 when none fired) and any other code in the mart."""
    codes: dict[str, int] = {}
    if registry is not None:
        # The seed may not be built (a subset run before it existed): the codes in the mart still count.
        with contextlib.suppress(duckdb.CatalogException):
            codes = {
                code: 0
                for (code,) in con.execute(f"select {quote_identifier(FLAG_CODE_COLUMN)} from {_relation(registry)}").fetchall()
            }
    counted = con.execute(f"select {quote_identifier(FLAG_CODE_COLUMN)}, count(*) from {_relation(flags)} group by 1").fetchall()
    codes.update({code: count for code, count in counted})
    return dict(sorted(codes.items()))


def mart_metadata(con: duckdb.DuckDBPyConnection, node: Mapping[str, Any], manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Row count, column schema (with the dbt docs' descriptions) and a Markdown preview of one mart table.

    The preview leaves out the columns the analysts' copy withholds (they name
    devices and positions): Dagster's event log is read by more people than the warehouse.
    """
    name = node.get("alias") or node["name"]
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? and table_name = ? order by ordinal_position",
        [node["schema"], name],
    ).fetchall()
    if not columns:
        return {}
    docs = node.get("columns") or {}
    schema = TableSchema(
        columns=[
            TableColumn(column, data_type.lower(), description=(docs.get(column) or {}).get("description") or None)
            for column, data_type in columns
        ]
    )
    shown = [column for column, _ in columns if column not in WITHHELD_COLUMNS.get(name, ())]
    select_list = ", ".join(quote_identifier(c) for c in shown)
    preview = con.execute(f"select {select_list} from {_relation(node)} order by all limit ?", [PREVIEW_ROWS]).fetchall()
    metadata: dict[str, Any] = {
        "dagster/row_count": MetadataValue.int(con.execute(f"select count(*) from {_relation(node)}").fetchone()[0]),
        "dagster/column_schema": MetadataValue.table_schema(schema),
        "dagster/table_name": f"{node['schema']}.{name}",
        "preview": MetadataValue.md(markdown.table(shown, preview)),
    }
    if name == FLAGS_MART:
        registry = next(
            (n for n in manifest["nodes"].values() if n["resource_type"] == "seed" and n["name"] == FLAG_REGISTRY_SEED), None
        )
        for code, count in flag_counts(con, node, registry).items():
            metadata[f"flags/{code}"] = MetadataValue.int(count)
    return metadata


def _asset_key(context: AssetExecutionContext, event) -> AssetKey | None:
    if isinstance(event, Output):
        return context.asset_key_for_output(event.output_name)
    return getattr(event, "asset_key", None)


def _with_mart_metadata(
    context: AssetExecutionContext, held: list, manifest: Mapping[str, Any], warehouse: Warehouse
) -> Iterator:
    """The held mart events, each materialization with its metadata; without it if the warehouse cannot be read."""
    with contextlib.ExitStack() as stack:
        try:
            con = stack.enter_context(warehouse.read_only()) if held else None
        except duckdb.Error as error:
            context.log.warning(f"no row counts or previews for the marts: cannot read {warehouse.database}: {error}")
            con = None
        for event in held:
            if con is not None and isinstance(event, Output | AssetMaterialization) and "unique_id" in event.metadata:
                node = manifest["nodes"].get(event.metadata["unique_id"].text)
                try:
                    extra = mart_metadata(con, node, manifest) if node else {}
                except duckdb.Error as error:  # a mart dbt did not build: its own error says why
                    context.log.warning(f"no row count or preview for {_asset_key(context, event).to_user_string()}: {error}")
                    extra = {}
                event = event.with_metadata({**event.metadata, **extra})
            yield event


# Ahead of the batch checks, which need only the lake and do not gate dbt: in a build of one day
# the checks would otherwise wait for GX's import (1.3-1.6 s) while dbt could already run.
DBT_STEP_FIRST = {"dagster/priority": "1"}


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=FingertipTranslator(),
    pool=DUCKDB_POOL,
    op_tags=DBT_STEP_FIRST,
)
def warehouse_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, paths: LakePaths):
    """`dbt build`: models, then their tests as asset checks.

    The marts' materializations (and their tests) are held until dbt has
    finished: DuckDB lets no other process read the file while dbt writes it.
    Then they carry row counts, column schemas, a preview and the flags per
    code, read from the warehouse (dagster-dbt's fetch_row_counts would open it
    through dbt's adapter, read-write, inside this process).
    """
    # Each invocation gets its own target folder (as dagster-dbt would), under the project's target.
    _prune_build_targets(Path(dbt_project.target_path))
    target = Path(tempfile.mkdtemp(prefix=f"{BUILD_TARGET_PREFIX}{context.run.run_id[:8]}-", dir=dbt_project.target_path))
    if warehouse.engine == "spark":
        warehouse.export_reviews_for_spark()
    manifest = incremental.load_manifest(dbt_project.manifest_path)
    staged = incremental.staged_sources(manifest)
    project = dbt_project_fingerprint(warehouse.engine)
    whole = _whole_project(context)
    inputs = _unchanged_inputs(warehouse, paths, manifest, project) if whole else ""
    if inputs is None:
        yield from _not_run(context, manifest, warehouse)
        return
    # The build's GX process (started by `fingertip run`, or by a launched run at its first loaded
    # batch) ends as soon as it has answered the batches sent to it (each source's, as it was
    # loaded): it would only hold memory beside dbt's. The batch checks,
    # which run after this step, read the verdicts it gave.
    gx_process.stop_when_done()
    plan = _month_plan(warehouse, paths, staged, project)
    context.log.info(plan.describe())
    # The rules' dbt unit tests check the SQL, not the data: `make test` runs them; a build need not.
    build_args = ["build", "--exclude", "test_type:unit", *plan.dbt_args(), *([] if whole else _tests_of_the_part(context))]
    held: list[Output | AssetMaterialization | AssetObservation | AssetCheckResult | AssetCheckEvaluation] = []
    invocation = None
    try:
        # Until dbt ends: on DuckDB it runs in this process (orchestration/dbt_runner.py).
        with dbt_paths_in_environment(warehouse.database, paths.lake, warehouse.spark_dir):
            invocation = dbt.cli(build_args, context=context, target_path=target)
            for event in invocation.stream():
                if isinstance(event, AssetCheckResult | AssetCheckEvaluation) and not event.passed:
                    inputs = ""  # a test that warned: the next build runs dbt (and its tests) again
                key = _asset_key(context, event)
                if key is not None and key.path[0] == MARTS_SCHEMA:
                    held.append(event)
                else:
                    yield event
    except Exception:
        if invocation is None:
            raise
        # dbt failed: what it did build is still reported, then the failure.
        _load_spark_output(context, warehouse)
        yield from _with_mart_metadata(context, held, invocation.manifest, warehouse)
        raise
    _load_spark_output(context, warehouse)
    if not whole:
        context.log.info(
            "dbt: a part of the project was selected: what it read is not recorded, so the next "
            "build of the whole project still rebuilds what changed since the last one"
        )
    elif warehouse.engine == "duckdb":
        try:
            with warehouse.get_connection() as con:
                incremental.record_built_from(con, paths.lake_dir, staged, project, plan, inputs or None)
        except duckdb.Error as error:
            # Safe to go on: the next build compares the lake with the older record, a superset of the changes.
            context.log.warning(f"could not record what the microbatch models were built from: {error}")
    _keep_parse_state(target, Path(dbt_project.target_path))
    yield from _with_mart_metadata(context, held, invocation.manifest, warehouse)


def _whole_project(context: AssetExecutionContext) -> bool:
    """Whether this build selects every model, seed and test, not a part picked in the UI. Only
    such a build may be skipped when nothing it reads changed, and only it records what it read:
    a part run on unchanged inputs runs as asked (a test picked alone checks the tables as they
    are), and a part that recorded the lake would make the next whole build skip what it left out.
    `context.assets_def` is the part itself: the whole is this module's multi-asset."""
    return set(context.selected_asset_keys) == set(warehouse_models.keys) and set(context.selected_asset_check_keys) == set(
        warehouse_models.check_keys
    )


def _tests_of_the_part(context: AssetExecutionContext) -> list[str]:
    """For a part of the project: `--select` of the dbt tests of the checks picked, and no others
    (no test selected through the models it builds: `--indirect-selection empty`, which takes
    precedence over the DBT_INDIRECT_SELECTION dagster-dbt may set). dagster-dbt leaves the
    tests of a part to dbt's eager indirect selection when every check of the picked models is picked, and dbt then also runs each test that merely
    reads a picked model: picked with stg_apps, the relationships test of stg_app_logins ran, and
    failed where stg_app_logins was not built yet (the first run of a backfill launched from the
    UI's asset graph over a new warehouse, stop 41)."""
    manifest, translator, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    names = get_dbt_test_names_for_check_keys(translator, manifest, context.assets_def, context.selected_asset_check_keys)
    selected = ["--select", " ".join(names)] if names else []  # one value: dbt reads its spaces as a union
    return ["--indirect-selection", "empty", *selected]


def _unchanged_inputs(warehouse: Warehouse, paths: LakePaths, manifest: Mapping, project: str) -> str | None:
    """What a build of the whole project reads (incremental.build_inputs); None when the last
    successful build read the same with the same project, so that this one need not run; "" on
    Spark (its tables live in its own metastore): dbt runs and nothing is recorded."""
    if warehouse.engine != "duckdb":
        return ""
    if not Path(warehouse.database).exists():  # no verdicts either, then
        with duckdb.connect() as con:
            return incremental.build_inputs(con, paths.lake_dir)
    with warehouse.read_only() as con:
        inputs = incremental.build_inputs(con, paths.lake_dir)
        if incremental.nothing_changed(con, manifest, project, inputs):
            return None
    return inputs


def _not_run(context: AssetExecutionContext, manifest: Mapping, warehouse: Warehouse) -> Iterator:
    """The build when nothing dbt reads changed: every table is as the last build left it. Each
    model and seed is reported materialized (so that alerts, the published copy and the report
    run on it), saying it was not rebuilt; dbt's tests are not run again, and report the pass of
    the build that made the tables."""
    context.log.info(f"dbt: {incremental.NOT_RUN}")
    with warehouse.get_connection() as con:
        incremental.record_not_run(con)
    translator = FingertipTranslator()
    tables = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] in ("model", "seed", "snapshot")}
    # Dagster takes a multi-asset's outputs in the order of their dependencies only.
    order = graphlib.TopologicalSorter(
        {uid: [d for d in node["depends_on"].get("nodes", []) if d in tables] for uid, node in tables.items()}
    ).static_order()
    outputs = {key: name for name, key in context.assets_def.keys_by_output_name.items()}  # not the checks
    selected = set(context.selected_output_names)
    held = []
    for uid in order:
        key = translator.get_asset_key(tables[uid])
        name = outputs.get(key)
        if name not in selected:
            continue
        output = Output(
            None,
            output_name=name,
            metadata={"unique_id": MetadataValue.text(uid), "dbt": MetadataValue.text(incremental.NOT_RUN)},
        )
        if key.path[0] == MARTS_SCHEMA:
            held.append(output)
        else:
            yield output
    yield from _with_mart_metadata(context, held, manifest, warehouse)
    # Every test passed in the build recorded (one where a test failed or warned records no inputs).
    for check in sorted(context.selected_asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        yield AssetCheckResult(
            asset_key=check.asset_key,
            check_name=check.name,
            passed=True,
            metadata={"dbt": MetadataValue.text(f"{incremental.NOT_RUN}: this test passed on these tables then")},
        )


def _month_plan(
    warehouse: Warehouse, paths: LakePaths, staged: list[incremental.StagedSource], project: str
) -> incremental.MonthPlan:
    """The months of event time this build rebuilds (orchestration/incremental.py)."""
    if warehouse.engine != "duckdb" or not Path(warehouse.database).exists():
        return incremental.plan_months(None, paths.lake_dir, staged, project, warehouse.engine)
    with warehouse.read_only() as con:
        return incremental.plan_months(con, paths.lake_dir, staged, project, warehouse.engine)


def _keep_parse_state(build_target: Path, project_target: Path) -> None:
    """Make this build's parse state the one the next build starts from.

    dagster-dbt seeds each build's folder with the project target's
    partial_parse.msgpack. dbt discards it when the profile's connection values
    differ from its parse's. On DuckDB no path is one of them
    (dbt_paths_in_environment); on Spark the profile names FINGERTIP_SPARK_DIR, so
    a parse made for another Spark folder would be discarded, and the next build
    of the same folder (a daily schedule) starts from this one's.
    """
    state = build_target / PARTIAL_PARSE_FILE
    if state.exists():
        with tempfile.NamedTemporaryFile(dir=project_target, prefix=".partial_parse-", delete=False) as copy:
            copy.write(state.read_bytes())
        os.replace(copy.name, project_target / PARTIAL_PARSE_FILE)  # atomic: a build starting now reads a whole file


def _prune_build_targets(targets: Path) -> None:
    """Remove build folders beyond the newest KEPT_BUILD_TARGETS that are over an hour old (each
    holds a copy of the manifest and the build's logs, tens of MB: a daily schedule would fill
    the disk). The age spares a build still running beside this one from the same checkout."""
    folders = sorted(targets.glob(f"{BUILD_TARGET_PREFIX}*"), key=lambda p: p.stat().st_mtime, reverse=True)
    cutoff = time.time() - 3600
    for old in folders[KEPT_BUILD_TARGETS - 1 :]:
        if old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)


def _load_spark_output(context: AssetExecutionContext, warehouse: Warehouse) -> None:
    """Engine spark: bring the marts and ops books Spark wrote into the warehouse file."""
    if warehouse.engine == "spark":
        loaded = warehouse.load_spark_output()
        context.log.info(f"loaded {len(loaded)} relations from Spark's Parquet into {warehouse.database}: {loaded}")
