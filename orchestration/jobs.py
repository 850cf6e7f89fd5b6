"""Jobs: the whole build, and the build of chosen delivery days."""

from dagster import AssetSelection, define_asset_job, in_process_executor

# Ingest for the run's delivery days, then every dbt model, its tests and the
# published copy, in one run (partitioned by delivery day, as its assets are).
# Its steps run in one process, as `fingertip run` runs them, also when the UI, the
# schedule or a sensor launches it: a process per step (Dagster's default) imports
# Dagster, dbt and GX again for each of the run's 26 steps (60 s instead of 10 s for the
# hand-made landing in `dagster dev`), and little could run side by side: the steps that
# write the warehouse share a pool of one, and the machine has two cores.
build_warehouse = define_asset_job(
    "build_warehouse",
    selection=AssetSelection.all(),
    description="Ingest the chosen delivery days, rebuild the warehouse, publish the analysts' copy.",
    executor_def=in_process_executor,
)
