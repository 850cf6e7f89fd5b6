"""Delivery-day partitions: one per `dt=YYYY-MM-DD` landing folder."""

from dagster import DailyPartitionsDefinition

from orchestration.settings import TIMEZONE, Settings

delivery_day = DailyPartitionsDefinition(
    start_date=Settings.from_env().first_day,
    timezone=TIMEZONE,
    # Today's folder may already be arriving: make its partition exist.
    end_offset=1,
)
