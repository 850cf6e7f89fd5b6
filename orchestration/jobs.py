"""Jobs: the whole build, and the build of chosen delivery days."""

from dagster import AssetSelection, define_asset_job

# Ingest for the run's delivery days, then every dbt model, its tests and the
# published copy, in one run (partitioned by delivery day, as its assets are).
# Its steps run in one process (definitions.py: the executor of every run).
build_warehouse = define_asset_job(
    "build_warehouse",
    selection=AssetSelection.all(),
    description="Ingest the chosen delivery days, rebuild the warehouse, publish the analysts' copy.",
)
