"""The landing contract (../shared/contract/landing.md) as data.

Every rule the validator applies is declared here, so the contract and the
code read side by side: a column's type, whether it may be empty, its domain,
and which reference table it must point into.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EVENT_SOURCES = ("app_logins", "checkins", "votes", "cases", "reports")
REFERENCE_TABLES = ("units", "cadres", "apps", "campaigns")
REFERENCE_SOURCE = "reference"
# Every warehouse timestamp is naive wall-clock time in this zone (no DST since 1991).
TIMEZONE = "Asia/Shanghai"

# Extensions the contract allows for event files; anything else in a delivery
# folder is rejected with a reason rather than ignored.
EVENT_FILE_SUFFIXES = (".csv", ".jsonl", ".parquet", ".csv.gz", ".jsonl.gz")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # id | text | timestamp | date | number | integer | boolean | enum | latitude | longitude | period | hex64
    nullable: bool = False
    values: tuple[str, ...] = ()  # for kind == "enum"
    minimum: float | None = None
    maximum: float | None = None
    references: str | None = None  # a reference table whose id this must be


@dataclass(frozen=True)
class SourceSpec:
    name: str
    id_column: str
    columns: tuple[Column, ...]
    # (later, earlier): the later timestamp may not precede the earlier one.
    ordered_pairs: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # The event's own time: it must lie in the plausible window around its delivery day.
    event_time: str | None = None

    @property
    def required_columns(self) -> list[str]:
        """Columns a file must carry; nullable columns may be absent (read as null)."""
        return [c.name for c in self.columns if not c.nullable]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _id(name: str, references: str | None = None) -> Column:
    return Column(name, "id", references=references)


FUNCTION_CATEGORIES = ("attendance", "study", "reporting", "voting", "case_handling", "messaging", "other")

REFERENCE_SPECS: dict[str, SourceSpec] = {
    "units": SourceSpec(
        "units",
        "unit_id",
        (
            _id("unit_id"),
            Column("unit_name", "text"),
            Column("county", "text"),
            Column("office_lat", "latitude"),
            Column("office_lon", "longitude"),
        ),
    ),
    "cadres": SourceSpec(
        "cadres",
        "cadre_id",
        (
            _id("cadre_id"),
            Column("full_name", "text"),
            _id("unit_id"),
            Column("position", "text"),
            Column("hired_on", "date"),
            Column("active", "boolean"),
        ),
    ),
    "apps": SourceSpec(
        "apps",
        "app_id",
        (
            _id("app_id"),
            Column("app_name", "text"),
            Column("owner_department", "text"),
            Column("function_category", "enum", values=FUNCTION_CATEGORIES),
            Column("mandatory", "boolean"),
        ),
    ),
    "campaigns": SourceSpec(
        "campaigns",
        "campaign_id",
        (
            _id("campaign_id"),
            Column("title", "text"),
            Column("kind", "enum", values=("selection", "ranking", "survey")),
            Column("mandatory", "boolean"),
            Column("starts_on", "date"),
            Column("ends_on", "date"),
        ),
    ),
}

EVENT_SPECS: dict[str, SourceSpec] = {
    "app_logins": SourceSpec(
        "app_logins",
        "login_id",
        (
            _id("login_id"),
            _id("cadre_id", references="cadres"),
            _id("app_id", references="apps"),
            Column("device_id", "text"),
            Column("ip", "text"),
            Column("login_at", "timestamp"),
            Column("logout_at", "timestamp", nullable=True),
            Column("actions", "integer", nullable=True, minimum=0),
        ),
        ordered_pairs=(("logout_at", "login_at"),),
        event_time="login_at",
    ),
    "checkins": SourceSpec(
        "checkins",
        "checkin_id",
        (
            _id("checkin_id"),
            _id("cadre_id", references="cadres"),
            _id("app_id", references="apps"),
            Column("kind", "enum", values=("punch_in", "punch_out", "field_visit")),
            Column("checkin_at", "timestamp"),
            Column("lat", "latitude"),
            Column("lon", "longitude"),
            Column("accuracy_m", "number", minimum=0),
            Column("device_id", "text"),
            Column("photo_hash", "hex64", nullable=True),
        ),
        event_time="checkin_at",
    ),
    "votes": SourceSpec(
        "votes",
        "vote_id",
        (
            _id("vote_id"),
            _id("campaign_id", references="campaigns"),
            _id("voter_id"),
            _id("target_id", references="cadres"),
            Column("action", "enum", values=("vote", "like", "share")),
            Column("voted_at", "timestamp"),
            Column("device_id", "text"),
            Column("ip", "text"),
        ),
        event_time="voted_at",
    ),
    "cases": SourceSpec(
        "cases",
        "case_id",
        (
            _id("case_id"),
            _id("cadre_id", references="cadres"),
            Column("category", "text"),
            Column("opened_at", "timestamp"),
            Column("first_reply_at", "timestamp", nullable=True),
            Column("closed_at", "timestamp", nullable=True),
            Column("status", "enum", values=("open", "resolved", "unresolved", "transferred")),
            Column("field_visit_claimed", "boolean"),
            Column("resident_rating", "integer", nullable=True, minimum=1, maximum=5),
            Column("location_lat", "latitude", nullable=True),
            Column("location_lon", "longitude", nullable=True),
            Column("updated_at", "timestamp"),
        ),
        ordered_pairs=(("closed_at", "opened_at"),),
        event_time="updated_at",
    ),
    "reports": SourceSpec(
        "reports",
        "report_id",
        (
            _id("report_id"),
            _id("cadre_id", references="cadres"),
            Column("period", "period"),
            Column("item", "text"),
            Column("metric", "text"),
            Column("value", "number", minimum=0),
            Column("submitted_at", "timestamp"),
        ),
        event_time="submitted_at",
    ),
}

# Columns whose text as delivered is kept beside the parsed value: the
# detectors need "repeated to the last decimal" and the digits as reported.
VERBATIM_COLUMNS = {"checkins": ("lat", "lon"), "reports": ("value",)}


# --- Plausible ranges and settings (issue 11), in one place -------------------

# An event's own time (`SourceSpec.event_time`) must lie in a window around its
# delivery day (landing contract: by default at most 366 days before it and at
# most 2 days after it). Days are local calendar days: the window runs from
# midnight at the start of (delivery day - BEFORE days) to midnight at the end
# of (delivery day + AFTER days). Outside it the row is quarantined.
# The user's settings are read with the others in orchestration/settings.py.
WINDOW_DAYS_BEFORE_ENV = "FINGERTIP_WINDOW_DAYS_BEFORE"
WINDOW_DAYS_AFTER_ENV = "FINGERTIP_WINDOW_DAYS_AFTER"
DEFAULT_WINDOW_DAYS_BEFORE = 366
DEFAULT_WINDOW_DAYS_AFTER = 2

# A number (or integer) beyond this magnitude is no count, amount, rating or
# distance the contract describes: a typing or overflow error, quarantined.
# 1e15 is far above any money amount in yuan and still exact to the cent in a
# double; it also keeps every integer well inside BIGINT.
MAX_ABS_NUMBER = 1e15

# A delivery folder that is present but yields nothing (empty, only hidden
# files, or every file rejected) keeps the day's earlier lake data, with a
# warning. This setting set to true clears such a day instead.
CLEAR_EMPTY_DAYS_ENV = "FINGERTIP_CLEAR_EMPTY_DAYS"
