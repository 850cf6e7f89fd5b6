"""Delivery-day partitions: one per `dt=YYYY-MM-DD` landing folder."""

from datetime import date, timedelta

from dagster import DailyPartitionsDefinition

from orchestration.settings import TIMEZONE, Settings

_settings = Settings.from_env()
delivery_day = DailyPartitionsDefinition(
    start_date=_settings.first_day,
    # end_date is exclusive: the last day's partition is included.
    end_date=(date.fromisoformat(_settings.last_day) + timedelta(days=1)).isoformat(),
    timezone=TIMEZONE,
    # Today's folder may already be arriving: let the sensor build it today.
    end_offset=1,
)
