"""The Dagster code location: loads the small modules that define fingertip."""

import warnings

from dagster import BetaWarning, Definitions

# backfill_policy is "beta" in Dagster 1.13 but is what makes a range of days one run.
warnings.filterwarnings("ignore", category=BetaWarning)

from orchestration.assets.alerts import alert_emails  # noqa: E402
from orchestration.assets.dbt import warehouse_models  # noqa: E402
from orchestration.assets.ingest import event_assets, reference_tables  # noqa: E402
from orchestration.assets.publish import analytics_copy  # noqa: E402
from orchestration.assets.report import inspection_report  # noqa: E402
from orchestration.assets.reviews import flag_reviews  # noqa: E402
from orchestration.checks.deliveries import delivery_checks  # noqa: E402
from orchestration.checks.expectations import batch_checks  # noqa: E402
from orchestration.jobs import build_warehouse  # noqa: E402
from orchestration.resources import build_resources  # noqa: E402
from orchestration.schedules import daily_build  # noqa: E402
from orchestration.sensors import email_ops_on_run_failure, landing_sensor  # noqa: E402
from orchestration.settings import Settings  # noqa: E402


def make_definitions(settings: Settings | None = None) -> Definitions:
    """Everything fingertip defines, bound to the paths in `settings` (default: the environment)."""
    return Definitions(
        assets=[reference_tables, *event_assets, flag_reviews, warehouse_models, analytics_copy, inspection_report, alert_emails],
        asset_checks=[*batch_checks, *delivery_checks],
        jobs=[build_warehouse],
        schedules=[daily_build],
        sensors=[landing_sensor, email_ops_on_run_failure],
        resources=build_resources(settings),
    )


defs = make_definitions()
