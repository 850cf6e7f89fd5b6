# Longer than 400 lines: the report's browser checks (chromium, marks, console, network) sit beside the tests that use them.
"""The inspection report (issue 12, item 1): built by the real build and by `fingertip report`,
opened in a real headless Chromium (Debian's `chromium`, installed by .ci/run) with the network cut off.

Every chart must have rendered its marks (Vega draws SVG here: `<g class="mark-… role-mark">`
groups with their items), the page must log nothing on the console, and the page must
request nothing over the network (Chromium's own net log is read for requests the page made).
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import fingertip, query

from inspection.report.bundle import javascript_bundle

CHROMIUM = shutil.which("chromium")
HTML_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
MARK_ITEMS = {"path", "rect", "line", "text", "image", "circle"}


class ChartMarks(HTMLParser):
    """Per element with `data-chart`: how many <svg> it holds, and its mark items per mark type."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None, str | None]] = []  # (tag, chart id, mark type)
        self.charts: dict[str, dict] = {}
        self.select_options: list[str] = []
        self._in_option = False

    def _context(self) -> tuple[str | None, str | None]:
        chart = mark = None
        for _, c, m in self.stack:
            chart = c or chart
            mark = m or mark
        return chart, mark

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        chart, mark = self._context()
        if tag == "option":
            self._in_option = True
        if chart and tag == "svg":
            self.charts[chart]["svg"] += 1
        if chart and mark and tag in MARK_ITEMS and self.stack and self.stack[-1][2]:
            # an item directly inside a mark group
            self.charts[chart]["marks"][mark] = self.charts[chart]["marks"].get(mark, 0) + 1
        own_chart = attributes.get("data-chart")
        if own_chart:
            self.charts[own_chart] = {"svg": 0, "marks": {}}
        own_mark = None
        classes = (attributes.get("class") or "").split()
        if tag == "g" and "role-mark" in classes:
            own_mark = next((c[len("mark-") :] for c in classes if c.startswith("mark-")), "unknown")
        if tag not in HTML_VOID:
            self.stack.append((tag, own_chart, own_mark))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in HTML_VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "option":
            self._in_option = False
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if self._in_option and data.strip():
            self.select_options.append(data.strip())


def chromium(page: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    """Open `page` in headless Chromium with every network request sent to a closed port."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={profile}",
        # No network: whatever the page asked for would fail (and show in the net log).
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=10000",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,2400",
        *extra,
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"chromium failed ({result.returncode}): {result.stderr[-2000:]}"
    return result


def page_requests(net_log: Path) -> list[str]:
    """URLs the page itself requested (Chromium's own background requests have no origin)."""
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        event["params"].get("url")
        for event in log["events"]
        if event["type"] == start_job and event.get("params", {}).get("initiator", "not an origin") != "not an origin"
    ]


def render_in_browser(page: Path, tmp: Path) -> tuple[ChartMarks, list[str], list[str]]:
    """(the charts' marks after the page's JavaScript ran, console lines, network requests of the page)."""
    net_log = tmp / f"{page.stem}-net.json"
    result = chromium(page, tmp, "--dump-dom", f"--log-net-log={net_log}")
    (tmp / f"{page.stem}-dom.html").write_text(result.stdout)
    marks = ChartMarks()
    marks.feed(result.stdout)
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return marks, console, page_requests(net_log)


def assert_rendered(marks: ChartMarks, expected_charts: set[str]) -> None:
    assert set(marks.charts) == expected_charts
    for chart, found in marks.charts.items():
        assert found["svg"] >= 1, f"chart {chart} drew no SVG"
        assert sum(found["marks"].values()) > 0, f"chart {chart} has no marks: {found}"


@pytest.fixture(scope="module")
def report(demo_build, tmp_path_factory) -> tuple[Path, Path]:
    """`fingertip report` on the demo build: (report folder, warehouse)."""
    _, warehouse = demo_build
    out = tmp_path_factory.mktemp("report") / "report"
    result = fingertip("report", "--out", str(out), "--warehouse", str(warehouse))
    assert f"wrote the report to {out / 'index.html'}" in result.stdout
    return out, warehouse


def test_build_rebuilds_the_report_beside_the_warehouse(demo_build):
    _, warehouse = demo_build
    folder = warehouse.parent / "report"
    units = [
        u for (u,) in query(warehouse.with_name("analytics.duckdb"), "select distinct unit_id from marts.unit_monthly order by 1")
    ]
    assert (folder / "index.html").is_file()
    assert sorted(p.name for p in folder.glob("unit-*.html")) == sorted(f"unit-{u}.html" for u in units)
    index = (folder / "index.html").read_text()
    for unit in units:
        assert f'href="unit-{unit}.html"' in index


def test_each_page_carries_the_charts_code_compressed(report):
    """The 0.9 MB Vega bundle is inlined gzip-compressed: a unit page weighs under half of it (at 2,000
    units the plain bundle made the report 1.8 GB); the browser tests below show the charts still draw."""
    out, _ = report
    plain = len(javascript_bundle().encode("utf-8"))
    for page in [out / "index.html", *sorted(out.glob("unit-*.html"))]:
        assert 'new DecompressionStream("gzip")' in page.read_text(encoding="utf-8")
        if page.name != "index.html":
            assert page.stat().st_size < plain / 2, page.name


def test_report_shows_flags_with_evidence_apps_with_verdicts_and_a_printable_unit_page(report):
    out, warehouse = report
    index = (out / "index.html").read_text()
    flags = query(
        warehouse,
        "select f.flag_id, f.flag_code, f.evidence, c.unit_id from marts.padding_flags f join staging.stg_cadres c using (cadre_id)",
    )
    assert flags, "the demo build plants flags"
    for flag_id, _code, evidence, unit in flags:
        assert flag_id in index and html.escape(evidence) in index
        unit_page = (out / f"unit-{unit}.html").read_text()
        assert flag_id in unit_page and html.escape(evidence) in unit_page
    # grouped by unit, then code
    assert "<h3>unit " in index and "<h4>" in index
    for app_id, verdict in query(warehouse, "select app_id, verdict from marts.app_portfolio"):
        assert f"<td>{html.escape(app_id)}</td>" in index
        assert f'class="verdict-{verdict}">{verdict}</td><td>' in index  # the verdict, then why
    # self-contained: the page links nothing outside itself but the unit pages
    for page in out.glob("*.html"):
        text = page.read_text()
        assert "@media print" in text
        assert ' src="http' not in text and ' href="http' not in text and "<link " not in text


def test_report_can_withhold_the_evidence_as_the_published_copy_does(demo_build, tmp_path):
    _, warehouse = demo_build
    fingertip("report", "--out", str(tmp_path), "--publish", str(warehouse.with_name("analytics.duckdb")), "--withhold-evidence")
    index = (tmp_path / "index.html").read_text()
    (evidence,) = query(warehouse, "select evidence from marts.padding_flags limit 1")[0]
    assert html.escape(evidence) not in index
    assert "withheld (not in the published copy)" in index
    # no warehouse read: the flag codes' titles come from the registry seed
    assert "Flag codes: the flag registry seed flag_codes.csv" in index
    for code, title in query(warehouse, "select flag_code, title from reference.flag_codes"):
        assert f"<td>{code}</td><td>{html.escape(title)}</td>" in index


def test_the_report_names_no_flag_code_of_its_own():
    """Flag codes, titles and meanings come from the registry: a new code needs no change to the report."""
    import csv

    from conftest import REPO

    with (REPO / "dbt_project" / "seeds" / "flag_codes.csv").open(newline="") as handle:
        codes = [row["flag_code"] for row in csv.DictReader(handle)]
    assert codes
    for source in (REPO / "inspection" / "report").glob("*.py"):
        text = source.read_text()
        assert not [code for code in codes if code in text], source


def test_report_without_a_published_copy_is_a_one_line_error(tmp_path):
    result = fingertip("report", "--out", str(tmp_path / "out"), "--publish", str(tmp_path / "none.duckdb"), check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "fingertip run" in result.stderr
    assert not (tmp_path / "out" / "index.html").exists()


def test_index_renders_every_chart_offline_in_headless_chromium(report, tmp_path):
    assert CHROMIUM, "Debian's chromium is needed (.ci/run installs it)"
    out, warehouse = report
    marks, console, requests = render_in_browser(out / "index.html", tmp_path)
    assert_rendered(marks, {"scatter", "burden", "apps", "flag_trend", "confirmed_rate"})
    # the scatter: one point per cadre in the month chosen (the latest), months to choose from
    months = [m for (m,) in query(warehouse, "select distinct strftime(month, '%Y-%m') from marts.cadre_monthly order by 1")]
    (latest_cadres,) = query(
        warehouse, "select count(*) from marts.cadre_monthly where strftime(month, '%Y-%m') = ?", [months[-1]]
    )[0]
    assert marks.charts["scatter"]["marks"]["symbol"] == latest_cadres
    assert marks.select_options == months
    (apps,) = query(warehouse, "select count(*) from marts.app_portfolio")[0]
    assert marks.charts["apps"]["marks"]["symbol"] == apps
    # a cell per code and month of marts.flag_review_outcomes (none decided yet: no rate-coloured cell)
    (cells,) = query(warehouse.with_name("analytics.duckdb"), "select count(*) from marts.flag_review_outcomes")[0]
    assert marks.charts["confirmed_rate"]["marks"] == {"rect": cells, "text": cells}
    assert console == []
    assert requests == []
    screenshot = tmp_path / "index.png"
    chromium(out / "index.html", tmp_path, f"--screenshot={screenshot}")
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000


def test_unit_page_renders_offline_in_headless_chromium(report, tmp_path):
    assert CHROMIUM, "Debian's chromium is needed (.ci/run installs it)"
    out, warehouse = report
    (unit, cadres) = query(
        warehouse,
        "select unit_id, count(*) from marts.cadre_monthly where month = (select max(month) from marts.cadre_monthly) "
        "group by unit_id order by unit_id limit 1",
    )[0]
    page = out / f"unit-{unit}.html"
    marks, console, requests = render_in_browser(page, tmp_path)
    assert_rendered(marks, {"scatter", "burden"})
    assert marks.charts["scatter"]["marks"]["symbol"] == cadres
    assert console == []
    assert requests == []
    screenshot = tmp_path / "unit.png"
    chromium(page, tmp_path, f"--screenshot={screenshot}")
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000


def test_unit_page_prints_to_pdf(report, tmp_path):
    assert CHROMIUM, "Debian's chromium is needed (.ci/run installs it)"
    out, _ = report
    page = sorted(out.glob("unit-*.html"))[0]
    pdf = tmp_path / "unit.pdf"
    chromium(page, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


def test_a_browser_that_cannot_unpack_the_charts_code_shows_the_tables_and_says_why(report, tmp_path):
    """The charts' code is unpacked with DecompressionStream: without it, the page's tables and evidence
    still show, no chart is drawn, and the console says once why."""
    assert CHROMIUM, "Debian's chromium is needed (.ci/run installs it)"
    out, _ = report
    page = tmp_path / "without_decompression.html"
    text = sorted(out.glob("unit-*.html"))[0].read_text(encoding="utf-8")
    page.write_text(text.replace("<head>", "<head><script>window.DecompressionStream = undefined;</script>", 1))
    marks, console, requests = render_in_browser(page, tmp_path)
    assert set(marks.charts) == {"scatter", "burden"}
    assert all(found["svg"] == 0 for found in marks.charts.values())
    assert len(console) == 1 and "the charts' code did not load" in console[0], console
    assert requests == []
    assert "<table" in (tmp_path / f"{page.stem}-dom.html").read_text()


def test_the_browser_checks_see_a_network_request_and_a_console_message(tmp_path):
    """The two checks above would catch a page that fetched something or logged: shown on a page that does."""
    assert CHROMIUM, "Debian's chromium is needed (.ci/run installs it)"
    page = tmp_path / "probe.html"
    page.write_text(
        '<!DOCTYPE html><html><body><div data-chart="probe"></div>'
        '<script>console.error("probe error"); fetch("https://example.com/probe").catch(function () {});</script></body></html>'
    )
    marks, console, requests = render_in_browser(page, tmp_path)
    assert marks.charts == {"probe": {"svg": 0, "marks": {}}}
    assert any("probe error" in line for line in console)
    assert "https://example.com/probe" in requests


# ---------------------------------------------------------------- inspector verdicts (issue 12, item 2, first part)


def test_a_verdict_naming_an_unknown_flag_is_a_one_line_error_and_writes_nothing(demo_build, tmp_path):
    _, warehouse = demo_build
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    before = copy.read_bytes()
    result = fingertip(
        "review", "no-such-flag", "--verdict", "dismissed", "--note", "n", "--by", "Li", "--warehouse", str(copy), check=False
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no flag 'no-such-flag'" in result.stderr
    assert query(copy, "select count(*) from ops.flag_reviews") == [(0,)]
    assert copy.read_bytes() == before


def test_verdicts_are_appended_survive_a_rebuild_and_the_report_shows_the_latest(reviewed_build, tmp_path):
    """Verdicts given with `fingertip review` on a copy of the demo warehouse, then a full build of it
    (conftest `reviewed_build`: its lake is new, so every day is read again)."""
    reviewed = reviewed_build
    copy = reviewed.warehouse
    flag_id, other_id, third_id, inbox_id = reviewed.superseded, reviewed.dismissed, reviewed.needs_evidence, reviewed.confirmed
    code = reviewed.codes[flag_id]
    assert f"recorded confirmed on {flag_id} ({code})" in reviewed.recorded.stdout
    expected = [
        (flag_id, "needs-evidence", "ask for the phone", "Li Wei", "cli"),
        (flag_id, "confirmed", "one phone, two cadres", "Zhang Min", "cli"),
        (other_id, "dismissed", "office phone <shared>", "Li Wei", "cli"),
        (third_id, "needs-evidence", "photos please", "Li Wei", "cli"),
    ]
    assert reviewed.rows_before_build == expected
    # The full build keeps them (and appends the inbox's verdict).
    assert reviewed.rows_after_full_build == [
        *expected,
        (inbox_id, "confirmed", "same face, two names", "Zhang Min", "week-1.csv"),
    ]
    # The build's report (asset inspection_report) shows each flag's status and latest verdict as
    # marts.padding_flags has them; who and the note from the warehouse's ops.flag_reviews.
    index = (reviewed.report_after_full / "index.html").read_text()
    open_part, closed_part = index.split("<h2>Closed by a verdict (3)</h2>")
    assert flag_id in closed_part and other_id in closed_part and inbox_id in closed_part and third_id not in closed_part
    assert third_id in open_part and '<td class="status-needs-evidence">needs-evidence</td>' in open_part
    assert '<td class="status-confirmed">confirmed</td><td>confirmed</td><td>Zhang Min, ' in closed_part
    assert '<td class="status-dismissed">dismissed</td><td>dismissed</td><td>Li Wei, ' in closed_part
    assert "one phone, two cadres" in closed_part and html.escape("office phone <shared>") in closed_part
    assert "same face, two names" in closed_part
    assert "ask for the phone" not in index  # superseded
    assert "since the last build" not in index  # the verdicts shown are the ones the marts were built with
    # The confirmed rate per code and month first seen is marts.flag_review_outcomes' (in the published copy), shown as
    # a table and a chart; each code's title comes from the flag registry (reference.flag_codes).
    titles = dict(query(copy, "select flag_code, title from reference.flag_codes"))
    reviewed_cells = {}
    for reviewed_id, verdict in (
        (flag_id, "confirmed"),
        (other_id, "dismissed"),
        (third_id, "needs-evidence"),
        (inbox_id, "confirmed"),
    ):
        cell = query(
            copy, "select flag_code, strftime(first_seen, '%Y-%m') from marts.padding_flags where flag_id = ?", [reviewed_id]
        )[0]
        reviewed_cells.setdefault(cell, []).append(verdict)
    for (cell_code, month), verdicts in reviewed_cells.items():
        (flags_in_cell,) = query(
            copy,
            "select count(*) from marts.padding_flags where flag_code = ? and strftime(first_seen, '%Y-%m') = ?",
            [cell_code, month],
        )[0]
        confirmed, dismissed = verdicts.count("confirmed"), verdicts.count("dismissed")
        rate = f"{confirmed / (confirmed + dismissed):.0%}" if confirmed + dismissed else ""
        row = (
            f"<tr><td>{cell_code}</td><td>{html.escape(titles[cell_code])}</td><td>{month}</td><td>{flags_in_cell}</td>"
            f"<td>{len(verdicts)}</td><td>{confirmed}</td><td>{dismissed}</td><td>{verdicts.count('needs-evidence')}</td>"
            f"<td>{rate}</td></tr>"
        )
        assert row in index
    marks, console, _ = render_in_browser(reviewed.report_after_full / "index.html", tmp_path)
    decided = {cell for cell, verdicts in reviewed_cells.items() if {"confirmed", "dismissed"} & set(verdicts)}
    assert marks.charts["confirmed_rate"]["marks"]["rect"] == len(query(copy, "select 1 from marts.flag_review_outcomes")) + len(
        decided
    )
    assert console == []


def test_a_verdict_waits_for_a_running_build_and_gives_up_writing_nothing(demo_build, tmp_path):
    """`fingertip run` holds the warehouse's lock file for the whole build; a verdict waits for it."""
    import fcntl
    import os

    _, warehouse = demo_build
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    (flag_id,) = query(copy, "select flag_id from marts.padding_flags order by flag_id limit 1")[0]
    args = ("review", flag_id, "--verdict", "confirmed", "--note", "n", "--by", "Li", "--warehouse", str(copy))
    fd = os.open(tmp_path / ".warehouse.duckdb.lock", os.O_RDWR | os.O_CREAT, 0o664)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a running build does
        result = fingertip(*args, env={"FINGERTIP_WAIT_SECONDS": "1"}, check=False)
    finally:
        os.close(fd)
    assert result.returncode == 3
    assert "waiting: a fingertip run is building" in result.stderr and "nothing was written" in result.stderr
    assert query(copy, "select count(*) from ops.flag_reviews") == [(0,)]
    fingertip(*args, env={"FINGERTIP_WAIT_SECONDS": "1"})
    assert query(copy, "select flag_id, verdict from ops.flag_reviews") == [(flag_id, "confirmed")]
