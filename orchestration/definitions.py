"""The Dagster code location: loads the small modules that define fingertip."""

import warnings

from dagster import BetaWarning, Definitions

# backfill_policy is "beta" in Dagster 1.13 but is what makes a range of days one run.
warnings.filterwarnings("ignore", category=BetaWarning)

from orchestration.assets.dbt import warehouse_models
from orchestration.assets.ingest import event_assets, reference_tables
from orchestration.assets.publish import analytics_copy
from orchestration.checks.expectations import batch_checks
from orchestration.jobs import build_warehouse
from orchestration.resources import build_resources

defs = Definitions(
    assets=[reference_tables, *event_assets, warehouse_models, analytics_copy],
    asset_checks=batch_checks,
    jobs=[build_warehouse],
    resources=build_resources(),
)
