"""What the report shows, read from the marts rather than recomputed.

The published copy gives the marts, each flag's latest verdict and review
status (marts.padding_flags) and the confirmed rate per code and month
(marts.flag_review_outcomes). Three things are not in it: the flags'
`evidence` and `subject_id` (they name devices and positions), who gave a
verdict and their note (names stay in the warehouse), and the flag registry
(a dbt seed). Those come from the warehouse, read-only, when it is given;
the registry then falls back to the seed's CSV.
"""

from __future__ import annotations

import contextlib
import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import yaml

from inspection.reviews import latest_verdicts
from orchestration.settings import DBT_PROJECT_DIR

WITHHELD = "withheld (not in the published copy)"
FLAG_REGISTRY_SEED = DBT_PROJECT_DIR / "seeds" / "flag_codes.csv"
# review_status values (marts.padding_flags) that leave a flag for an inspector to act on.
OPEN_STATUSES = ("open", "reopened", "needs-evidence")
NOT_ON_ROSTER = "(not on the roster)"


class ReportError(RuntimeError):
    """The report cannot be made; the message says why and what to do."""


@dataclass
class ReportData:
    cadre_monthly: list[dict]
    unit_monthly: list[dict]
    apps: list[dict]
    flags: list[dict]
    review_outcomes: list[dict]  # marts.flag_review_outcomes, with each code's title
    registry: dict[str, dict]  # flag_code -> its registry row (title, meaning, ...)
    evidence_source: str  # where the evidence sentences came from, said on the pages
    registry_source: str
    thresholds: dict = field(default_factory=dict)

    @property
    def months(self) -> list[str]:
        return sorted({row["month"] for row in self.cadre_monthly})

    @property
    def units(self) -> list[str]:
        return sorted({row["unit_id"] for row in self.unit_monthly} | {row["unit_id"] for row in self.cadre_monthly})


def _plain(value):
    """A DuckDB value as JSON-ready Python."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()]


def _thresholds() -> dict:
    """The app verdict thresholds, as dbt reads them (dbt_project.yml vars), to say why an app got its verdict."""
    try:
        variables = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text()).get("vars", {})
    except (OSError, yaml.YAMLError):
        variables = {}
    return {
        "retire_trace_only_share": float(variables.get("retire_trace_only_share", 0.8)),
        "retire_min_active_share": float(variables.get("retire_min_active_share", 0.1)),
    }


def registry_from_seed(seed: Path = FLAG_REGISTRY_SEED) -> dict[str, dict]:
    """flag_code -> registry row, from the dbt seed (the published copy does not hold the registry)."""
    try:
        with seed.open(newline="", encoding="utf-8") as handle:
            return {row["flag_code"]: row for row in csv.DictReader(handle)}
    except (OSError, KeyError, csv.Error):
        return {}


# The published marts, as the report reads them.
CADRE_MONTHLY = (
    "select cadre_id, unit_id, strftime(month, '%Y-%m') as month, trace_score, result_score, quadrant, "
    "screen_minutes, distinct_apps, login_count, trace_only_logins, votes_cast, cases_opened, cases_resolved "
    "from pub.marts.cadre_monthly order by month, unit_id, cadre_id"
)
UNIT_MONTHLY = (
    "select unit_id, strftime(month, '%Y-%m') as month, cadres, avg_screen_minutes, avg_distinct_apps, "
    "avg_trace_only_logins, forced_votes, forced_votes / nullif(cadres, 0) as forced_votes_per_cadre, "
    "resolution_rate, flags_total from pub.marts.unit_monthly order by unit_id, month"
)
APP_PORTFOLIO = "select * from pub.marts.app_portfolio order by verdict, app_id"
PADDING_FLAGS = (
    "with units as (select distinct cadre_id, unit_id from pub.marts.cadre_monthly) "
    "select f.flag_id, f.flag_code, f.cadre_id, coalesce(u.unit_id, ?) as unit_id, "
    "f.severity, f.first_seen, f.last_seen, strftime(f.first_seen, '%Y-%m') as month, "
    "f.review_verdict, f.reviewed_at, f.review_status "
    "from pub.marts.padding_flags f left join units u using (cadre_id) "
    "order by unit_id, f.flag_code, f.first_seen, f.flag_id"
)
REVIEW_OUTCOMES = (
    "select flag_code, strftime(month, '%Y-%m') as month, flags, reviewed, confirmed, dismissed, needs_evidence, confirmed_rate "
    "from pub.marts.flag_review_outcomes order by flag_code, month"
)


def _read_published(publish: Path) -> tuple[list[dict], ...]:
    if not publish.is_file():
        raise ReportError(
            f"the published copy {publish} does not exist: run `fingertip run` first, or pass --publish FILE (or set FINGERTIP_PUBLISH)."
        )
    with duckdb.connect() as con:
        # Paths are bound parameters, never spliced into the SQL text.
        try:
            con.execute("attach ? as pub (read_only)", [str(publish)])
        except duckdb.Error as error:
            raise ReportError(
                f"cannot open the published copy {publish} ({str(error).splitlines()[0]}): pass --publish FILE."
            ) from None
        try:
            return (
                _rows(con, CADRE_MONTHLY),
                _rows(con, UNIT_MONTHLY),
                _rows(con, APP_PORTFOLIO),
                _rows(con, PADDING_FLAGS, [NOT_ON_ROSTER]),
                _rows(con, REVIEW_OUTCOMES),
            )
        except duckdb.CatalogException as error:  # a copy published by an older fingertip lacks the review columns
            raise ReportError(
                f"the published copy {publish} lacks what the report reads ({str(error).splitlines()[0]}): rebuild it with `fingertip run`."
            ) from None


@dataclass
class _FromWarehouse:
    evidence: dict = field(default_factory=dict)  # flag_id -> (evidence, subject_id)
    verdicts: dict = field(default_factory=dict)  # flag_id -> latest row of ops.flag_reviews
    registry: dict = field(default_factory=dict)
    evidence_source: str = (
        "withheld: the published copy leaves out the flags' evidence and subject_id (they name devices and positions)"
    )


def _read_warehouse(warehouse: Path | None, withhold_evidence: bool) -> _FromWarehouse:
    """The evidence, who reviewed and their notes, and the registry, from the warehouse (read-only) when it can be read."""
    found = _FromWarehouse()
    if warehouse is None or not warehouse.is_file():
        return found
    try:
        with duckdb.connect() as con:
            con.execute("attach ? as wh (read_only)", [str(warehouse)])
            # Verdicts and the registry are no personal data about the flagged: shown either way.
            found.verdicts = latest_verdicts(con, "wh")
            with contextlib.suppress(duckdb.CatalogException):  # a warehouse built before the registry: the seed says the same
                found.registry = {row["flag_code"]: row for row in _rows(con, "select * from wh.reference.flag_codes")}
            if not withhold_evidence:
                found.evidence = {
                    flag_id: (evidence, subject)
                    for flag_id, evidence, subject in con.execute(
                        "select flag_id, evidence, subject_id from wh.marts.padding_flags"
                    ).fetchall()
                }
                found.evidence_source = f"the warehouse {warehouse.name} (read-only); the published copy withholds them"
    except duckdb.Error as error:
        found.evidence = {}
        found.evidence_source = f"withheld: the warehouse could not be read ({str(error).splitlines()[0]})"
    return found


def _review_text(flag: dict, latest: dict | None) -> str:
    """Who gave the flag's verdict and their note; a verdict given since the copy was built is said as such."""
    if latest is None:
        return ""
    said = f"{latest['reviewed_by']}, {latest['reviewed_at']}: {latest['note']}"
    if flag["reviewed_at"] == latest["reviewed_at"]:
        return said
    return f"since the last build: {latest['verdict']} by {said}"


def load_report_data(publish: Path, warehouse: Path | None = None, withhold_evidence: bool = False) -> ReportData:
    cadre_monthly, unit_monthly, apps, flags, outcomes = _read_published(publish)
    extra = _read_warehouse(warehouse, withhold_evidence)
    registry = extra.registry or registry_from_seed()
    registry_source = (
        "reference.flag_codes in the warehouse" if extra.registry else f"the flag registry seed {FLAG_REGISTRY_SEED.name}"
    )
    for flag in flags:
        evidence, subject = extra.evidence.get(flag["flag_id"], (WITHHELD, WITHHELD))
        flag["evidence"], flag["subject_id"] = evidence, subject
        flag["title"] = registry.get(flag["flag_code"], {}).get("title", "")
        flag["verdict"] = flag["review_verdict"] or "not reviewed"
        flag["is_open"] = flag["review_status"] in OPEN_STATUSES
        flag["review"] = _review_text(flag, extra.verdicts.get(flag["flag_id"]))
    for row in outcomes:
        row["title"] = registry.get(row["flag_code"], {}).get("title", "")
    return ReportData(
        cadre_monthly, unit_monthly, apps, flags, outcomes, registry, extra.evidence_source, registry_source, _thresholds()
    )


def app_reasons(apps: list[dict], thresholds: dict) -> dict[str, str]:
    """One sentence per app saying which rule gave its verdict, with the numbers (the dbt rule, restated)."""
    # Logins over the period, up to a factor common to all apps (the same number of weeks).
    volume = {a["app_id"]: (a["logins_per_active_cadre_per_week"] or 0) * (a["active_cadres"] or 0) for a in apps}
    by_category: dict[str, list[str]] = {}
    for a in apps:
        by_category.setdefault(a["function_category"], []).append(a["app_id"])
    max_active = max((a["active_cadres"] or 0 for a in apps), default=0)
    reasons = {}
    for a in apps:
        share = a["trace_only_share"]
        share_text = "unknown" if share is None else f"{share:.0%}"
        if a["verdict"] == "retire":
            if share is not None and share >= thresholds["retire_trace_only_share"]:
                reasons[a["app_id"]] = (
                    f"{share_text} of its sessions are trace-only (no action), at or above the "
                    f"{thresholds['retire_trace_only_share']:.0%} threshold."
                )
            else:
                reasons[a["app_id"]] = (
                    f"used by few: {a['active_cadres'] or 0} active cadres, below "
                    f"{thresholds['retire_min_active_share']:.0%} of the cadres who log in to any app."
                )
        elif a["verdict"] == "merge":
            busier = [
                other
                for other in by_category.get(a["function_category"], [])
                if other != a["app_id"] and volume[other] > volume[a["app_id"]]
            ]
            reasons[a["app_id"]] = (
                f"overlaps {', '.join(busier) or a['overlapping_apps']} ({a['function_category']}), used more; "
                f"{share_text} trace-only sessions."
            )
        else:
            overlap = (
                f"overlaps {a['overlapping_apps']} but is the most used of its category"
                if a["overlapping_apps"]
                else "no other app does its job"
            )
            reasons[a["app_id"]] = (
                f"{overlap}; {a['active_cadres'] or 0} of up to {max_active} active cadres; {share_text} trace-only sessions."
            )
    return reasons
