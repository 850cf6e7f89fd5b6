"""Delivery-day partitions: one per `dt=YYYY-MM-DD` landing folder."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dagster import DailyPartitionsDefinition

from orchestration.settings import TIMEZONE, Settings


def delivery_day_partitions(first_day: str, last_day: str, today: date) -> DailyPartitionsDefinition:
    """Daily partitions from `first_day` to `last_day`, both included.

    Dagster lists no partition after the one following today's (`end_offset`), whatever the end
    date, and fails a run when the definition has no partition at all by its clock. Days after
    tomorrow are read all the same when earlier ones exist (settings.py: data dated after this
    machine's clock is still read); a build whose first day is after tomorrow (one day of such
    a landing, FINGERTIP_FIRST_DAY = FINGERTIP_LAST_DAY) gets partitions up to its last day."""
    first = date.fromisoformat(first_day)
    end = date.fromisoformat(last_day) + timedelta(days=1)  # end_date is exclusive
    # Today's folder may already be arriving: let the sensor build it today.
    ahead = (end - today).days if first > today + timedelta(days=1) else 1
    return DailyPartitionsDefinition(start_date=first_day, end_date=end.isoformat(), timezone=TIMEZONE, end_offset=ahead)


_settings = Settings.from_env()
delivery_day = delivery_day_partitions(_settings.first_day, _settings.last_day, datetime.now(ZoneInfo(TIMEZONE)).date())
