"""Schedules: every early morning (Asia/Shanghai), build the previous day's deliveries."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, SkipReason, schedule

from orchestration.jobs import build_warehouse
from orchestration.partitions import delivery_day
from orchestration.settings import TIMEZONE


def previous_local_day(context: ScheduleEvaluationContext) -> str:
    """The local (Asia/Shanghai) calendar day before the tick, as a partition key."""
    tick = context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE))
    return (tick.date() - timedelta(days=1)).isoformat()


@schedule(
    name="daily_build",
    job=build_warehouse,
    cron_schedule="30 5 * * *",
    execution_timezone=TIMEZONE,
    default_status=DefaultScheduleStatus.STOPPED,
    description=(
        "05:30 Asia/Shanghai: ingest the previous day's delivery folder (dt=yesterday) and rebuild everything "
        "downstream of it: the warehouse, the analysts' copy and the alert e-mails."
    ),
)
def daily_build(context: ScheduleEvaluationContext):
    day = previous_local_day(context)
    # The partitions as of the tick (Dagster does not create a day's partition before its time).
    days = delivery_day.get_partition_keys(current_time=context.scheduled_execution_time)
    if day not in days:
        return SkipReason(
            f"dt={day} is outside the delivery days ({days[0] if days else '-'} to {days[-1] if days else '-'}): "
            "set FINGERTIP_FIRST_DAY / FINGERTIP_LAST_DAY to cover it"
        )
    return RunRequest(run_key=f"daily_build:{day}", partition_key=day, tags={"fingertip/trigger": "daily_build"})
