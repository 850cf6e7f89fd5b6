"""Re-running is a no-op in effect (and does nothing again), and the report is written again only
when what it was made from changed. (An analyst's open connection to the published copy during a
build: tests/test_incremental_build.py, whose new day's build has one open.)

The re-run starts from a copy of the session's hand-made build (its warehouse, lake, published
copy and Dagster instance, as `fingertip run` left them) and runs one more build on it: the
first build is the shared one.
"""

import json
import shutil

from conftest import FIXTURES, build, query

from orchestration.assets.report import MADE_FROM_FILE, _kept_report

CONTENT_QUERIES = {
    "cadre_monthly": "select * from marts.cadre_monthly order by all",
    "padding_flags": "select * from marts.padding_flags order by all",
    "app_portfolio": "select * from marts.app_portfolio order by all",
    "unit_monthly": "select * from marts.unit_monthly order by all",
    "load_audit": "select * exclude (loaded_at) from ops.load_audit order by all",
    "quarantine": "select * exclude (quarantined_at) from ops.quarantine order by all",
}


def _contents(workdir):
    return {name: query(workdir / "warehouse.duckdb", sql) for name, sql in CONTENT_QUERIES.items()}


def _copy_of(handmade_build, workdir):
    """The hand-made build's folder as its `fingertip run` left it, at another path."""
    shutil.copytree(handmade_build, workdir)
    return workdir


def test_rerunning_on_the_same_landing_changes_nothing(tmp_path, handmade_build):
    first = _contents(handmade_build)
    workdir = _copy_of(handmade_build, tmp_path / "build")
    result = build(FIXTURES / "handmade_landing", workdir)
    again = _contents(workdir)
    for name in CONTENT_QUERIES:
        assert again[name] == first[name], f"{name} differs after a re-run"
    # Nothing was read, validated or built again (the copy keeps the files' receipts and the build's record).
    assert "dbt: not run: nothing it reads changed since the last build" in result.stdout
    receipts = sorted((workdir / "lake" / "_loaded").rglob("*.json"))
    assert receipts and all(
        r.stat().st_mtime_ns == (handmade_build / r.relative_to(workdir)).stat().st_mtime_ns for r in receipts
    )
    # Nor was the report written again.
    pages = sorted((workdir / "report").glob("*.html"))
    assert len(pages) == 2 and all(p.stat().st_mtime_ns == (handmade_build / "report" / p.name).stat().st_mtime_ns for p in pages)


def test_the_report_is_kept_only_while_what_it_was_made_from_and_its_pages_are_unchanged(tmp_path, handmade_build):
    out = shutil.copytree(handmade_build / "report", tmp_path / "report")
    made_from = {**json.loads((out / MADE_FROM_FILE).read_text())["made from"], "dbt not run": True}
    assert _kept_report(out, made_from) == {"index": str(out / "index.html"), "pages": 2, "units": 1, "flags": 0}
    assert _kept_report(out, {**made_from, "dbt not run": False}) is None  # this build's dbt step ran
    assert _kept_report(out, {**made_from, "dbt inputs": "another lake"}) is None
    assert _kept_report(out, {**made_from, "report code": "another version"}) is None
    assert _kept_report(out, {**made_from, "verdicts": "flag_reviews (1, 42)\n"}) is None  # a verdict given since
    (out / "unit-U01.html").write_text("a page written by hand")
    assert _kept_report(out, made_from) is None
