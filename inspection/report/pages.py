"""The inspection report: self-contained HTML pages drawn from the published copy.

`render_report(publish, out, warehouse=...)` writes `index.html` (all units)
and one printable `unit-<id>.html` per unit into `out`. Charts are Vega-Lite
specs made with Altair; the Vega / Vega-Lite / vega-embed JavaScript comes from
`vl-convert-python`'s bundle and is inlined in every page, so a page opens from
a file with no network (nothing is fetched: the data is inlined too).

What it reads: the marts from the analysts' copy (`analytics.duckdb`). That
copy withholds the flags' `evidence` and `subject_id` (they name devices and
positions). The report is for inspectors, so when the warehouse is given and
readable those two columns are read from it (read-only, by `flag_id`);
otherwise, or with `withhold_evidence=True`, the pages say "withheld".
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import altair as alt
import duckdb
import yaml

from inspection.reviews import latest_verdicts
from orchestration.settings import DBT_PROJECT_DIR

QUADRANTS = ["busy_and_effective", "trace_heavy", "quiet_achiever", "low_activity"]
QUADRANT_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#999999"]
WITHHELD = "withheld (not in the published copy)"


class ReportError(RuntimeError):
    """The report cannot be made; the message says why and what to do."""


@dataclass
class ReportData:
    cadre_monthly: list[dict]
    unit_monthly: list[dict]
    apps: list[dict]
    flags: list[dict]
    evidence_source: str  # where the evidence sentences came from, said on the pages
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
    return [{n: _plain(v) for n, v in zip(names, row)} for row in cursor.fetchall()]


def _thresholds() -> dict:
    """The app verdict thresholds, as dbt reads them (dbt_project.yml vars)."""
    try:
        variables = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text()).get("vars", {})
    except (OSError, yaml.YAMLError):
        variables = {}
    return {
        "retire_trace_only_share": float(variables.get("retire_trace_only_share", 0.8)),
        "retire_min_active_share": float(variables.get("retire_min_active_share", 0.1)),
    }


def load_report_data(publish: Path, warehouse: Path | None = None, withhold_evidence: bool = False) -> ReportData:
    if not publish.is_file():
        raise ReportError(
            f"the published copy {publish} does not exist: run `fingertip run` first, or pass --publish FILE (or set FINGERTIP_PUBLISH)."
        )
    with duckdb.connect() as con:
        # Paths are bound parameters, never spliced into the SQL text.
        try:
            con.execute("attach ? as pub (read_only)", [str(publish)])
        except duckdb.Error as error:
            raise ReportError(f"cannot open the published copy {publish} ({str(error).splitlines()[0]}): pass --publish FILE.") from None
        cadre_monthly = _rows(
            con,
            "select cadre_id, unit_id, strftime(month, '%Y-%m') as month, trace_score, result_score, quadrant, "
            "screen_minutes, distinct_apps, login_count, trace_only_logins, votes_cast, cases_opened, cases_resolved "
            "from pub.marts.cadre_monthly order by month, unit_id, cadre_id",
        )
        unit_monthly = _rows(
            con,
            "select unit_id, strftime(month, '%Y-%m') as month, cadres, avg_screen_minutes, avg_distinct_apps, "
            "avg_trace_only_logins, forced_votes, forced_votes / nullif(cadres, 0) as forced_votes_per_cadre, "
            "resolution_rate, flags_total from pub.marts.unit_monthly order by unit_id, month",
        )
        apps = _rows(con, "select * from pub.marts.app_portfolio order by verdict, app_id")
        flags = _rows(
            con,
            "with units as (select distinct cadre_id, unit_id from pub.marts.cadre_monthly) "
            "select f.flag_id, f.flag_code, f.cadre_id, coalesce(u.unit_id, '(not on the roster)') as unit_id, "
            "f.severity, f.first_seen, f.last_seen, strftime(f.first_seen, '%Y-%m') as month "
            "from pub.marts.padding_flags f left join units u using (cadre_id) "
            "order by unit_id, f.flag_code, f.first_seen, f.flag_id",
        )
    evidence_source = "withheld: the published copy leaves out the flags' evidence and subject_id (they name devices and positions)"
    by_id: dict = {}
    verdicts: dict = {}
    if warehouse is not None and warehouse.is_file():
        try:
            with duckdb.connect() as con:
                con.execute("attach ? as wh (read_only)", [str(warehouse)])
                # Inspectors' verdicts (ops.flag_reviews) are no personal data: shown either way.
                verdicts = latest_verdicts(con, "wh")
                if not withhold_evidence:
                    by_id = {
                        row[0]: (row[1], row[2])
                        for row in con.execute("select flag_id, evidence, subject_id from wh.marts.padding_flags").fetchall()
                    }
                    evidence_source = f"the warehouse {warehouse.name} (read-only); the published copy withholds them"
        except duckdb.Error as error:
            evidence_source = f"withheld: the warehouse could not be read ({str(error).splitlines()[0]})"
    for flag in flags:
        evidence, subject = by_id.get(flag["flag_id"], (None, None))
        flag["evidence"] = evidence if flag["flag_id"] in by_id else WITHHELD
        flag["subject_id"] = subject if flag["flag_id"] in by_id else WITHHELD
        verdict = verdicts.get(flag["flag_id"])
        flag["verdict"] = verdict["verdict"] if verdict else "not reviewed"
        flag["review"] = f"{verdict['reviewed_by']}, {verdict['reviewed_at']}: {verdict['note']}" if verdict else ""
    return ReportData(cadre_monthly, unit_monthly, apps, flags, evidence_source, _thresholds())


# ---------------------------------------------------------------- the "why" of an app verdict


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
            overlap = f"overlaps {a['overlapping_apps']} but is the most used of its category" if a["overlapping_apps"] else "no other app does its job"
            reasons[a["app_id"]] = f"{overlap}; {a['active_cadres'] or 0} of up to {max_active} active cadres; {share_text} trace-only sessions."
    return reasons


# ---------------------------------------------------------------- charts (Altair / Vega-Lite)


def _data(rows: list[dict]) -> alt.Data:
    return alt.Data(values=rows)


def scatter_chart(cadre_monthly: list[dict], months: list[str], title: str) -> dict:
    month = alt.param(
        name="month",
        value=months[-1] if months else "",
        bind=alt.binding_select(options=months, name="Month "),
    )
    chart = (
        alt.Chart(_data(cadre_monthly), title=title)
        .mark_point(filled=True, size=70, opacity=0.8)
        .encode(
            x=alt.X("trace_score:Q", title="trace score (0-100)", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("result_score:Q", title="result score (0-100)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("quadrant:N", scale=alt.Scale(domain=QUADRANTS, range=QUADRANT_COLOURS), title="quadrant"),
            tooltip=[
                alt.Tooltip("cadre_id:N", title="cadre"),
                alt.Tooltip("unit_id:N", title="unit"),
                alt.Tooltip("month:N"),
                alt.Tooltip("trace_score:Q", format=".1f"),
                alt.Tooltip("result_score:Q", format=".1f"),
                alt.Tooltip("quadrant:N"),
            ],
        )
        .add_params(month)
        .transform_filter(alt.datum.month == month)
        .properties(width=440, height=360)
    )
    return chart.to_dict()


BURDEN_MEASURES = (
    ("avg_screen_minutes", "screen minutes per cadre"),
    ("avg_distinct_apps", "apps per cadre"),
    ("forced_votes_per_cadre", "forced votes per cadre"),
)


def burden_chart(unit_monthly: list[dict], one_unit: bool = False) -> dict:
    charts = []
    for column, title in BURDEN_MEASURES:
        base = alt.Chart(_data(unit_monthly), title=title).encode(
            x=alt.X("month:O", title="month"),
            y=alt.Y(f"{column}:Q", title=title),
            tooltip=[alt.Tooltip("unit_id:N", title="unit"), alt.Tooltip("month:N"), alt.Tooltip(f"{column}:Q", format=".1f")],
        )
        if one_unit:
            chart = base.mark_bar()
        else:
            chart = base.mark_line(point=True).encode(color=alt.Color("unit_id:N", title="unit"))
        charts.append(chart.properties(width=220, height=180))
    return alt.hconcat(*charts).to_dict()


def flag_trend_chart(flags: list[dict], months: list[str]) -> dict:
    counts: dict[tuple[str, str], int] = {}
    for flag in flags:
        counts[(flag["flag_code"], flag["month"])] = counts.get((flag["flag_code"], flag["month"]), 0) + 1
    codes = sorted({code for code, _ in counts})
    # Zeros where a code had no flag in a month, so a line does not skip them.
    all_months = sorted(set(months) | {m for _, m in counts if m})
    rows = [{"flag_code": c, "month": m, "flags": counts.get((c, m), 0)} for c in codes for m in all_months]
    chart = (
        alt.Chart(_data(rows), title="flags per code by month first seen")
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title="month"),
            y=alt.Y("flags:Q", title="flags"),
            color=alt.Color("flag_code:N", title="flag code"),
            tooltip=["flag_code:N", "month:N", "flags:Q"],
        )
        .properties(width=440, height=260)
    )
    return chart.to_dict()


def app_chart(apps: list[dict]) -> dict:
    chart = (
        alt.Chart(_data(apps), title="apps: trace-only share against active cadres")
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X("active_cadres:Q", title="active cadres"),
            y=alt.Y("trace_only_share:Q", title="trace-only share of sessions", axis=alt.Axis(format="%")),
            color=alt.Color("verdict:N", scale=alt.Scale(domain=["keep", "merge", "retire"], range=["#1b9e77", "#e6ab02", "#d95f02"])),
            shape=alt.Shape("function_category:N", title="function"),
            tooltip=["app_id:N", "app_name:N", "function_category:N", "verdict:N", "active_cadres:Q", alt.Tooltip("trace_only_share:Q", format=".0%")],
        )
        .properties(width=440, height=300)
    )
    return chart.to_dict()


# ---------------------------------------------------------------- pages

CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; } h3 { font-size: 1rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .85rem; }
th, td { border: 1px solid #ccc; padding: .2rem .4rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.note { color: #555; font-size: .85rem; }
.withheld { color: #888; font-style: italic; }
.chart { margin: .5rem 0 1rem; }
nav a { margin-right: .6rem; }
.verdict-retire { color: #b33; font-weight: bold; } .verdict-merge { color: #a70; font-weight: bold; }
@media print {
  nav, .vega-bindings, .no-print { display: none !important; }
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  tr, .chart { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""

_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")


def unit_filename(unit_id: str) -> str:
    """A file name for a unit's page: the id with anything unsafe replaced (and kept unique by the caller)."""
    return f"unit-{_SAFE_ID.sub('_', str(unit_id))}.html"


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _script_json(value) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _table(rows: list[dict], columns: list[tuple[str, str]], classes: dict | None = None) -> str:
    head = "".join(f"<th>{_e(title)}</th>" for _, title in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            if isinstance(value, float):
                value = f"{value:.2f}"
            css = ""
            if value == WITHHELD:
                css = ' class="withheld"'
            elif classes and key in classes:
                css = f' class="{_e(classes[key](row))}"'
            cells.append(f"<td{css}>{_e(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return '<p class="note">none</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


FLAG_COLUMNS = [
    ("flag_code", "code"),
    ("cadre_id", "cadre"),
    ("severity", "severity"),
    ("first_seen", "first seen"),
    ("last_seen", "last seen"),
    ("subject_id", "subject"),
    ("evidence", "evidence"),
    ("verdict", "latest verdict"),
    ("review", "by, when, note"),
    ("flag_id", "flag id"),
]


def _flags_by_unit_and_code(flags: list[dict], heading: str = "h3") -> str:
    parts = []
    units = sorted({f["unit_id"] for f in flags})
    for unit in units:
        in_unit = [f for f in flags if f["unit_id"] == unit]
        parts.append(f"<{heading}>unit {_e(unit)}: {len(in_unit)} flag(s)</{heading}>")
        for code in sorted({f["flag_code"] for f in in_unit}):
            in_code = [f for f in in_unit if f["flag_code"] == code]
            parts.append(f"<h4>{_e(code)} ({len(in_code)})</h4>")
            parts.append(_table(in_code, [c for c in FLAG_COLUMNS if c[0] != "flag_code"]))
    return "\n".join(parts) or '<p class="note">None.</p>'


CLOSING_VERDICTS = ("confirmed", "dismissed")


def confirmed_rates(flags: list[dict]) -> list[dict]:
    """Per flag code and month first seen: of the flags with a confirmed or dismissed latest verdict, the share confirmed."""
    tally: dict[tuple[str, str], list[int]] = {}
    for flag in flags:
        if flag["verdict"] in CLOSING_VERDICTS:
            counts = tally.setdefault((flag["flag_code"], flag["month"]), [0, 0])
            counts[0] += flag["verdict"] == "confirmed"
            counts[1] += 1
    return [
        {"flag_code": code, "month": month, "confirmed": c, "reviewed": n, "confirmed_rate": f"{c / n:.0%}"}
        for (code, month), (c, n) in sorted(tally.items())
    ]


def _flag_sections(flags: list[dict]) -> str:
    """Open flags (no verdict yet, or needs-evidence) grouped by unit and code; then those closed by a verdict."""
    open_flags = [f for f in flags if f["verdict"] not in CLOSING_VERDICTS]
    closed = [f for f in flags if f["verdict"] in CLOSING_VERDICTS]
    return (
        f"<h2>Open flags by unit and code ({len(open_flags)})</h2>\n"
        '<p class="note">Open: no inspector verdict yet, or the latest is needs-evidence '
        "(record one with <code>fingertip review FLAG_ID --verdict ... --note ... --by ...</code>).</p>\n"
        f"{_flags_by_unit_and_code(open_flags)}\n"
        f"<h2>Closed by a verdict ({len(closed)})</h2>\n"
        f"{_flags_by_unit_and_code(closed)}"
    )


def _page(title: str, body: str, charts: dict[str, dict], bundle: str) -> str:
    embeds = "\n".join(
        f"vegaEmbed({_script_json('#' + chart_id)}, {_script_json(spec)}, opts)"
        f".catch(function (e) {{ console.error('chart {chart_id} failed: ' + e); }});"
        for chart_id, spec in charts.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{_e(title)}</title>
<style>{CSS}</style>
<script type="text/javascript">
// vega-embed bundle with Vega and Vega-Lite, from vl-convert-python (inlined: the page needs no network)
{bundle}
</script>
</head>
<body>
{body}
<script type="text/javascript">
(function () {{
  var opts = {{renderer: "svg", actions: false}};
  {embeds}
}})();
</script>
</body>
</html>
"""


def _chart_div(chart_id: str) -> str:
    return f'<div class="chart" id="{_e(chart_id)}" data-chart="{_e(chart_id)}"></div>'


def javascript_bundle() -> str:
    """vega-embed with Vega and the Vega-Lite version this Altair writes, as one script (no network).

    vl-convert takes seconds to bundle it, every build: the bundle is kept in the user's cache
    folder (`$XDG_CACHE_HOME/fingertip/` or `~/.cache/fingertip/`), one file per vl-convert and
    Vega-Lite version; without a writable cache it is bundled each time.
    """
    import os
    from importlib.metadata import version

    import vl_convert as vlc

    vl_version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])  # "v6.4.1" -> "v6_4"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fingertip"
    cached = cache / f"vega-embed-vl-convert-{version('vl-convert-python')}-{vl_version}.js"
    try:
        text = cached.read_text(encoding="utf-8")
        if "vegaEmbed" in text:
            return text
    except OSError:
        pass
    bundle = vlc.javascript_bundle(vl_version=vl_version)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        staging = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        staging.write_text(bundle, encoding="utf-8")
        os.replace(staging, cached)  # whole or not at all, for a concurrent build
    except OSError:
        pass
    return bundle


def render_report(publish: Path, out: Path, warehouse: Path | None = None, withhold_evidence: bool = False) -> dict:
    """Write index.html and unit-<id>.html into `out`; return what was written."""
    data = load_report_data(publish, warehouse, withhold_evidence)
    out.mkdir(parents=True, exist_ok=True)
    bundle = javascript_bundle()
    months = data.months
    reasons = app_reasons(data.apps, data.thresholds)
    apps = [{**a, "why": reasons.get(a["app_id"], "")} for a in data.apps]
    files: dict[str, str] = {}
    used: set[str] = set()
    for unit in data.units:
        name = unit_filename(unit)
        while name in used:
            name = name[: -len(".html")] + "_.html"
        used.add(name)
        files[unit] = name

    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    latest = months[-1] if months else "none"
    unit_links = " ".join(f'<a href="{_e(files[u])}">{_e(u)}</a>' for u in data.units)
    index_body = f"""
<h1>fingertip inspection report</h1>
<p class="note">From {_e(publish.name)}, made {generated}. Months: {_e(', '.join(months) or 'none')}.
Evidence sentences: {_e(data.evidence_source)}.</p>
<nav>Units: {unit_links}</nav>
<h2>Traces against results</h2>
<p class="note">Every cadre is a point for the chosen month (latest: {_e(latest)}); hover for the cadre id.
trace_score and result_score are defined in the marts (dbt docs of marts.cadre_monthly).</p>
{_chart_div('scatter')}
<h2>Burden per unit over the months</h2>
{_chart_div('burden')}
<h2>App portfolio</h2>
{_chart_div('apps')}
{_table(apps, [("app_id", "app"), ("app_name", "name"), ("function_category", "function"), ("mandatory", "mandatory"),
               ("active_cadres", "active cadres"), ("logins_per_active_cadre_per_week", "logins / cadre / week"),
               ("median_session_seconds", "median session s"), ("trace_only_share", "trace-only share"),
               ("overlapping_apps", "overlaps"), ("verdict", "verdict"), ("why", "why")],
        classes={"verdict": lambda r: f"verdict-{r['verdict']}"})}
<h2>Flags: trend per code</h2>
{_chart_div('flag_trend')}
<h2>Confirmed rate among reviewed flags</h2>
<p class="note">Per code and month first seen, among flags whose latest verdict is confirmed or dismissed:
how many inspectors confirmed. A low rate says the code's thresholds catch honest work.</p>
{_table(confirmed_rates(data.flags), [("flag_code", "code"), ("month", "month"), ("confirmed", "confirmed"),
                                      ("reviewed", "confirmed or dismissed"), ("confirmed_rate", "confirmed rate")])}
{_flag_sections(data.flags)}
"""
    index_charts = {
        "scatter": scatter_chart(data.cadre_monthly, months, "trace score against result score"),
        "burden": burden_chart(data.unit_monthly),
        "apps": app_chart(apps),
        "flag_trend": flag_trend_chart(data.flags, months),
    }
    (out / "index.html").write_text(_page("fingertip inspection report", index_body, index_charts, bundle), encoding="utf-8")

    for unit in data.units:
        cadres = [r for r in data.cadre_monthly if r["unit_id"] == unit]
        burden = [r for r in data.unit_monthly if r["unit_id"] == unit]
        flags = [f for f in data.flags if f["unit_id"] == unit]
        body = f"""
<nav class="no-print"><a href="index.html">&larr; all units</a> <a href="#" onclick="window.print(); return false;">print</a></nav>
<h1>Unit {_e(unit)}</h1>
<p class="note">From {_e(publish.name)}, made {generated}. Evidence sentences: {_e(data.evidence_source)}.</p>
<h2>Traces against results</h2>
{_chart_div('scatter')}
<h2>Burden per cadre</h2>
{_chart_div('burden')}
{_table(burden, [("month", "month"), ("cadres", "cadres"), ("avg_screen_minutes", "screen minutes / cadre"),
                 ("avg_distinct_apps", "apps / cadre"), ("forced_votes_per_cadre", "forced votes / cadre"),
                 ("resolution_rate", "resolution rate"), ("flags_total", "flags")])}
{_flag_sections(flags)}
<h2>Cadres</h2>
{_table(cadres, [("month", "month"), ("cadre_id", "cadre"), ("quadrant", "quadrant"), ("trace_score", "trace score"),
                 ("result_score", "result score"), ("screen_minutes", "screen minutes"), ("distinct_apps", "apps"),
                 ("votes_cast", "votes"), ("cases_resolved", "cases resolved")])}
"""
        charts = {
            "scatter": scatter_chart(cadres, months, f"unit {unit}: trace score against result score"),
            "burden": burden_chart(burden, one_unit=True),
        }
        (out / files[unit]).write_text(_page(f"fingertip: unit {unit}", body, charts, bundle), encoding="utf-8")
    return {"index": str(out / "index.html"), "units": len(data.units), "flags": len(data.flags), "pages": 1 + len(data.units)}
