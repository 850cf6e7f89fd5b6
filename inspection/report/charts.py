"""The report's charts as Vega-Lite specs made with Altair (rendered in the page by vega-embed).

Every spec inlines its rows, so a page needs no network. Quantitative scales
that may meet no rows get a fixed domain: Vega warns on the console about an
empty extent, and the browser test counts any console line as a failure.
"""

from __future__ import annotations

import functools
import json

import altair as alt

QUADRANTS = ["busy_and_effective", "trace_heavy", "quiet_achiever", "low_activity"]
QUADRANT_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#999999"]
BURDEN_MEASURES = (
    ("avg_screen_minutes", "screen minutes per cadre"),
    ("avg_distinct_apps", "apps per cadre"),
    ("forced_votes_per_cadre", "forced votes per cadre"),
)


# A chart is built (and validated: Altair checks it against Vega-Lite's JSON schema)
# around a one-row placeholder, and its rows go in after; the charts of the unit
# pages are built once per report and copied per page. Validating every row's values
# and every page's spec was 20 of the 23 s the report took for 3,000 cadres (300 pages);
# the rows come from the warehouse's typed marts.
ROWS_PLACEHOLDER = [{"__rows__": "placeholder"}]


def _data() -> alt.Data:
    return alt.Data(values=ROWS_PLACEHOLDER)


def _with_rows(spec: dict, rows: list[dict]) -> dict:
    """`spec` with `rows` wherever the placeholder is: inline data (`{"values": ...}`) of the
    chart or of any chart inside it, or a named dataset."""

    def put(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if value == ROWS_PLACEHOLDER:
                    node[key] = rows
                else:
                    put(value)
        elif isinstance(node, list):
            for item in node:
                put(item)

    put(spec)
    return spec


def _spec(chart: alt.TopLevelMixin, rows: list[dict]) -> dict:
    return _with_rows(chart.to_dict(), rows)


def scatter_chart(cadre_monthly: list[dict], months: list[str], title: str) -> dict:
    spec = json.loads(_scatter_template(tuple(months)))
    spec["title"] = title
    return _with_rows(spec, cadre_monthly)


@functools.cache
def _scatter_template(months: tuple[str, ...]) -> str:
    month = alt.param(
        name="month",
        value=months[-1] if months else "",
        bind=alt.binding_select(options=list(months), name="Month "),
    )
    chart = (
        alt.Chart(_data(), title="(set per page)")
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
    return json.dumps(chart.to_dict())


def burden_chart(unit_monthly: list[dict], one_unit: bool = False) -> dict:
    return _with_rows(json.loads(_burden_template(one_unit)), unit_monthly)


@functools.cache
def _burden_template(one_unit: bool) -> str:
    charts = []
    for column, title in BURDEN_MEASURES:
        base = alt.Chart(_data(), title=title).encode(
            x=alt.X("month:O", title="month"),
            y=alt.Y(f"{column}:Q", title=title),
            tooltip=[alt.Tooltip("unit_id:N", title="unit"), alt.Tooltip("month:N"), alt.Tooltip(f"{column}:Q", format=".1f")],
        )
        if one_unit:
            chart = base.mark_bar()
        else:
            chart = base.mark_line(point=True).encode(color=alt.Color("unit_id:N", title="unit"))
        charts.append(chart.properties(width=220, height=180))
    return json.dumps(alt.hconcat(*charts).to_dict())


def flag_trend_chart(review_outcomes: list[dict]) -> dict:
    """Flags per code by month first seen: marts.flag_review_outcomes has a row (zeros too) for every code and month."""
    chart = (
        alt.Chart(_data(), title="flags per code by month first seen")
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title="month"),
            y=alt.Y("flags:Q", title="flags"),
            color=alt.Color("flag_code:N", title="flag code"),
            tooltip=["flag_code:N", "title:N", "month:N", "flags:Q"],
        )
        .properties(width=440, height=260)
    )
    return _spec(chart, review_outcomes)


def confirmed_rate_chart(review_outcomes: list[dict]) -> dict:
    """Per code and month: a cell per code and month, coloured by the confirmed rate where inspectors decided any.

    Grey cells have no confirmed or dismissed flag yet; the text is confirmed / decided.
    """
    rows = [
        {
            **row,
            "decided": row["confirmed"] + row["dismissed"],
            "label": f"{row['confirmed']}/{row['confirmed'] + row['dismissed']}",
        }
        for row in review_outcomes
    ]
    tooltip = [
        "flag_code:N",
        "title:N",
        "month:N",
        "flags:Q",
        "reviewed:Q",
        "confirmed:Q",
        "dismissed:Q",
        "needs_evidence:Q",
        alt.Tooltip("confirmed_rate:Q", format=".0%"),
    ]
    base = alt.Chart(_data()).encode(
        x=alt.X("month:O", title="month first seen"),
        y=alt.Y("flag_code:N", title="flag code"),
        tooltip=tooltip,
    )
    cells = base.mark_rect(color="#eeeeee", stroke="#ffffff")
    rated = (
        base.mark_rect(stroke="#ffffff")
        .encode(
            color=alt.Color(
                "confirmed_rate:Q",
                title="confirmed rate",
                scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen"),
                legend=alt.Legend(format=".0%"),
            )
        )
        .transform_filter("datum.decided > 0")
    )
    labels = base.mark_text(fontSize=11).encode(text="label:N")
    chart = alt.layer(cells, rated, labels, title="confirmed rate among flags confirmed or dismissed").properties(width=440)
    return _spec(chart, rows)


def app_chart(apps: list[dict]) -> dict:
    chart = (
        alt.Chart(_data(), title="apps: trace-only share against active cadres")
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X("active_cadres:Q", title="active cadres"),
            y=alt.Y("trace_only_share:Q", title="trace-only share of sessions", axis=alt.Axis(format="%")),
            color=alt.Color(
                "verdict:N", scale=alt.Scale(domain=["keep", "merge", "retire"], range=["#1b9e77", "#e6ab02", "#d95f02"])
            ),
            shape=alt.Shape("function_category:N", title="function"),
            tooltip=[
                "app_id:N",
                "app_name:N",
                "function_category:N",
                "verdict:N",
                "active_cadres:Q",
                alt.Tooltip("trace_only_share:Q", format=".0%"),
            ],
        )
        .properties(width=440, height=300)
    )
    return _spec(chart, apps)
