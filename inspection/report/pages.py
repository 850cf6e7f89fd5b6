"""The report's HTML: the index (all units) and a printable page per unit, each self-contained."""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from inspection.report import charts
from inspection.report.bundle import packed_bundle
from inspection.report.data import WITHHELD, ReportData, app_reasons, load_report_data

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
.status-reopened, .status-needs-evidence { color: #a70; font-weight: bold; }
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
    ("cadre_id", "cadre"),
    ("severity", "severity"),
    ("first_seen", "first seen"),
    ("last_seen", "last seen"),
    ("subject_id", "subject"),
    ("evidence", "evidence"),
    ("review_status", "status"),
    ("verdict", "latest verdict"),
    ("review", "by, when, note"),
    ("flag_id", "flag id"),
]
STATUS_CLASS = {"review_status": lambda flag: f"status-{flag['review_status']}"}
APP_COLUMNS = [
    ("app_id", "app"),
    ("app_name", "name"),
    ("function_category", "function"),
    ("mandatory", "mandatory"),
    ("active_cadres", "active cadres"),
    ("logins_per_active_cadre_per_week", "logins / cadre / week"),
    ("median_session_seconds", "median session s"),
    ("trace_only_share", "trace-only share"),
    ("overlapping_apps", "overlaps"),
    ("verdict", "verdict"),
    ("why", "why"),
]
VERDICT_CLASS = {"verdict": lambda app: f"verdict-{app['verdict']}"}
REGISTRY_COLUMNS = [("flag_code", "code"), ("title", "title"), ("meaning", "meaning"), ("default_severity", "default severity")]
OUTCOME_COLUMNS = [
    ("flag_code", "code"),
    ("title", "title"),
    ("month", "month"),
    ("flags", "flags"),
    ("reviewed", "reviewed"),
    ("confirmed", "confirmed"),
    ("dismissed", "dismissed"),
    ("needs_evidence", "needs evidence"),
    ("rate", "confirmed rate"),
]
BURDEN_COLUMNS = [
    ("month", "month"),
    ("cadres", "cadres"),
    ("avg_screen_minutes", "screen minutes / cadre"),
    ("avg_distinct_apps", "apps / cadre"),
    ("forced_votes_per_cadre", "forced votes / cadre"),
    ("resolution_rate", "resolution rate"),
    ("flags_total", "flags"),
]
CADRE_COLUMNS = [
    ("month", "month"),
    ("cadre_id", "cadre"),
    ("quadrant", "quadrant"),
    ("trace_score", "trace score"),
    ("result_score", "result score"),
    ("screen_minutes", "screen minutes"),
    ("distinct_apps", "apps"),
    ("votes_cast", "votes"),
    ("cases_resolved", "cases resolved"),
]


def _flags_by_unit_and_code(flags: list[dict], data: ReportData) -> str:
    parts = []
    per_unit = by_unit(flags)
    for unit in sorted(per_unit):
        in_unit = per_unit[unit]
        parts.append(f"<h3>unit {_e(unit)}: {len(in_unit)} flag(s)</h3>")
        for code in sorted({f["flag_code"] for f in in_unit}):
            in_code = [f for f in in_unit if f["flag_code"] == code]
            title = data.registry.get(code, {}).get("title")
            parts.append(f"<h4>{_e(code)}{' (' + _e(title) + ')' if title else ''}: {len(in_code)}</h4>")
            parts.append(_table(in_code, FLAG_COLUMNS, STATUS_CLASS))
    return "\n".join(parts) or '<p class="note">None.</p>'


def _flag_sections(flags: list[dict], data: ReportData) -> str:
    """Open flags (status open, reopened or needs-evidence) grouped by unit and code; then those closed by a verdict."""
    open_flags = [f for f in flags if f["is_open"]]
    closed = [f for f in flags if not f["is_open"]]
    return (
        f"<h2>Open flags by unit and code ({len(open_flags)})</h2>\n"
        '<p class="note">Open: no inspector verdict yet, the latest is needs-evidence, or a dismissed flag whose evidence '
        "has changed since (reopened); status and latest verdict as of the last build (marts.padding_flags). Record a verdict "
        "with <code>fingertip review FLAG_ID --verdict ... --note ... --by ...</code>.</p>\n"
        f"{_flags_by_unit_and_code(open_flags, data)}\n"
        f"<h2>Closed by a verdict ({len(closed)})</h2>\n"
        f"{_flags_by_unit_and_code(closed, data)}"
    )


def _review_outcomes_table(data: ReportData) -> str:
    rows = [
        {**row, "rate": "" if row["confirmed_rate"] is None else f"{row['confirmed_rate']:.0%}"}
        for row in data.review_outcomes
        if row["flags"]
    ]
    return _table(rows, OUTCOME_COLUMNS)


def _page(title: str, body: str, chart_specs: dict[str, dict], packed: str) -> str:
    embeds = "\n".join(
        f"vegaEmbed({_script_json('#' + chart_id)}, {_script_json(spec)}, opts)"
        f".catch(function (e) {{ console.error('chart {chart_id} failed: ' + e); }});"
        for chart_id, spec in chart_specs.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{_e(title)}</title>
<style>{CSS}</style>
<script type="text/javascript">
// vega-embed with Vega and Vega-Lite, from vl-convert-python, inlined gzip-compressed as base64 (the page
// needs no network); the browser unpacks it and runs it before the charts are drawn. A browser that
// cannot unpack it still shows the tables, and says on its console why the charts are missing.
var chartCode = (function () {{
  try {{
    return new Response(
      new Blob([Uint8Array.from(atob("{packed}"), function (c) {{ return c.charCodeAt(0); }})])
        .stream().pipeThrough(new DecompressionStream("gzip"))
    ).text().then(function (code) {{
      var script = document.createElement("script");
      script.text = code;
      document.head.appendChild(script);
    }});
  }} catch (e) {{
    return Promise.reject(e);
  }}
}})();
chartCode.catch(function () {{}});  // reported once, by the charts' script at the end of the page
</script>
</head>
<body>
{body}
<script type="text/javascript">
chartCode.then(function () {{
  var opts = {{renderer: "svg", actions: false}};
  {embeds}
}}).catch(function (e) {{ console.error("the charts' code did not load: " + e); }});
</script>
</body>
</html>
"""


def _chart_div(chart_id: str) -> str:
    return f'<div class="chart" id="{_e(chart_id)}" data-chart="{_e(chart_id)}"></div>'


def _index_body(data: ReportData, apps: list[dict], publish: Path, generated: str, files: dict[str, str]) -> str:
    months = data.months
    unit_links = " ".join(f'<a href="{_e(files[u])}">{_e(u)}</a>' for u in data.units)
    latest = months[-1] if months else "none"
    registry = _table([{"flag_code": code, **row} for code, row in sorted(data.registry.items())], REGISTRY_COLUMNS)
    return f"""
<h1>fingertip inspection report</h1>
<p class="note">From {_e(publish.name)}, made {generated}. Months: {_e(", ".join(months) or "none")}.
Evidence sentences: {_e(data.evidence_source)}. Flag codes: {_e(data.registry_source)}.</p>
<nav>Units: {unit_links}</nav>
<h2>Traces against results</h2>
<p class="note">Every cadre is a point for the chosen month (latest: {_e(latest)}); hover for the cadre id.
trace_score and result_score are defined in the marts (dbt docs of marts.cadre_monthly).</p>
{_chart_div("scatter")}
<h2>Burden per unit over the months</h2>
{_chart_div("burden")}
<h2>App portfolio</h2>
{_chart_div("apps")}
{_table(apps, APP_COLUMNS, VERDICT_CLASS)}
<h2>Flag codes</h2>
{registry}
<h2>Flags: trend per code</h2>
{_chart_div("flag_trend")}
<h2>Confirmed rate among reviewed flags</h2>
<p class="note">From marts.flag_review_outcomes, per code and month first seen (months with flags): of the flags whose latest
verdict is confirmed or dismissed, the share confirmed. A low rate says the code's thresholds catch honest work.</p>
{_chart_div("confirmed_rate")}
{_review_outcomes_table(data)}
{_flag_sections(data.flags, data)}
"""


def _unit_body(data: ReportData, unit: str, rows: UnitRows, publish: Path, generated: str) -> str:
    cadres, burden = rows.cadre_monthly, rows.unit_monthly
    return f"""
<nav class="no-print"><a href="index.html">&larr; all units</a> <a href="#" onclick="window.print(); return false;">print</a></nav>
<h1>Unit {_e(unit)}</h1>
<p class="note">From {_e(publish.name)}, made {generated}. Evidence sentences: {_e(data.evidence_source)}.</p>
<h2>Traces against results</h2>
{_chart_div("scatter")}
<h2>Burden per cadre</h2>
{_chart_div("burden")}
{_table(burden, BURDEN_COLUMNS)}
{_flag_sections(rows.flags, data)}
<h2>Cadres</h2>
{_table(cadres, CADRE_COLUMNS)}
"""


@dataclass
class UnitRows:
    """One unit's rows of the report's data."""

    cadre_monthly: list[dict] = field(default_factory=list)
    unit_monthly: list[dict] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)


def by_unit(rows: list[dict]) -> dict[str, list[dict]]:
    """The rows of each unit, in one pass: filtering all rows once per unit grew with
    units x rows (2,000 units and 40,000 cadre-months at 20,000 cadres)."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["unit_id"]].append(row)
    return grouped


def rows_per_unit(data: ReportData) -> dict[str, UnitRows]:
    """Every unit's rows of the report's data."""
    cadre_monthly, unit_monthly, flags = by_unit(data.cadre_monthly), by_unit(data.unit_monthly), by_unit(data.flags)
    return {unit: UnitRows(cadre_monthly[unit], unit_monthly[unit], flags[unit]) for unit in data.units}


def render_report(publish: Path, out: Path, warehouse: Path | None = None, withhold_evidence: bool = False) -> dict:
    """Write index.html and unit-<id>.html into `out`; return what was written."""
    data = load_report_data(publish, warehouse, withhold_evidence)
    out.mkdir(parents=True, exist_ok=True)
    packed = packed_bundle()
    reasons = app_reasons(data.apps, data.thresholds)
    apps = [{**a, "why": reasons.get(a["app_id"], "")} for a in data.apps]
    files: dict[str, str] = {}
    for unit in data.units:
        name = unit_filename(unit)
        while name in files.values():
            name = name[: -len(".html")] + "_.html"
        files[unit] = name

    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    index_charts = {
        "scatter": charts.scatter_chart(data.cadre_monthly, data.months, "trace score against result score"),
        "burden": charts.burden_chart(data.unit_monthly),
        "apps": charts.app_chart(apps),
        "flag_trend": charts.flag_trend_chart(data.review_outcomes),
        "confirmed_rate": charts.confirmed_rate_chart(data.review_outcomes),
    }
    index = _page("fingertip inspection report", _index_body(data, apps, publish, generated, files), index_charts, packed)
    (out / "index.html").write_text(index, encoding="utf-8")

    months = data.months
    per_unit = rows_per_unit(data)
    for unit in data.units:
        rows = per_unit[unit]
        unit_charts = {
            "scatter": charts.scatter_chart(rows.cadre_monthly, months, f"unit {unit}: trace score against result score"),
            "burden": charts.burden_chart(rows.unit_monthly, one_unit=True),
        }
        page = _page(f"fingertip: unit {unit}", _unit_body(data, unit, rows, publish, generated), unit_charts, packed)
        (out / files[unit]).write_text(page, encoding="utf-8")
    return {"index": str(out / "index.html"), "units": len(data.units), "flags": len(data.flags), "pages": 1 + len(data.units)}
