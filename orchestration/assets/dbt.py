"""The dbt project as Dagster assets: staging -> intermediate -> marts, ops."""


from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.resources import dbt_project
from orchestration.settings import DUCKDB_POOL


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


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=FingertipTranslator(), pool=DUCKDB_POOL)
def warehouse_models(context: AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build`: models, then their tests as asset checks."""
    yield from dbt.cli(["build"], context=context).stream()
