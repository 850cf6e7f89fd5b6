"""The Dagster code location: loads the small modules that define fingertip."""

from dagster import Definitions, in_process_executor

from orchestration.assets.alerts import alert_emails
from orchestration.assets.dbt import warehouse_models
from orchestration.assets.ingest import event_assets, reference_tables
from orchestration.assets.publish import analytics_copy
from orchestration.assets.report import inspection_report
from orchestration.assets.reviews import flag_reviews
from orchestration.checks.deliveries import delivery_checks
from orchestration.checks.expectations import batch_checks
from orchestration.event_log import batch_events
from orchestration.guards import stop_busy_wait_for_pool
from orchestration.jobs import build_warehouse
from orchestration.resources import build_resources
from orchestration.schedules import daily_build
from orchestration.sensors import email_ops_on_run_failure, landing_sensor
from orchestration.settings import Settings


def make_definitions(settings: Settings | None = None) -> Definitions:
    """Everything fingertip defines, bound to the paths in `settings` (default: the environment)."""
    # Whatever process runs them (`fingertip run`, a run the UI, the schedule or a sensor launched)
    # waits for the warehouse's pool asleep: Dagster's own wait spins a core per waiting run.
    stop_busy_wait_for_pool()
    # And stores the run's events in batches (orchestration/event_log.py).
    batch_events()
    return Definitions(
        # Every run's steps in one process, as `fingertip run` runs them: `build_warehouse` launched
        # by the UI, the schedule or a sensor, and assets materialized from the UI's asset graph (its
        # own asset job). A process per step (Dagster's default) imports Dagster, dbt and GX again
        # for each step (60 s instead of 10 s for the hand-made landing in `dagster dev`), and
        # little could run side by side: the steps that write the warehouse share a pool of one.
        executor=in_process_executor,
        assets=[reference_tables, *event_assets, flag_reviews, warehouse_models, analytics_copy, inspection_report, alert_emails],
        asset_checks=[*batch_checks, *delivery_checks],
        jobs=[build_warehouse],
        schedules=[daily_build],
        sensors=[landing_sensor, email_ops_on_run_failure],
        resources=build_resources(settings),
    )


defs = make_definitions()
