"""The README's example queries and notebook run on a real build's published copy and give what the README promises.

The promised columns are read from the README's table of queries, so the
docs and this test cannot drift apart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from conftest import REPO

QUERIES = REPO / "docs" / "queries"
NOTEBOOK = REPO / "docs" / "analysts.ipynb"
README = REPO / "README.md"
# A README table row: | [`<file>.sql`](docs/queries/<file>.sql) | question | columns |
QUERY_ROW = re.compile(
    r"^\| \[`(?P<file>[\w.]+\.sql)`\]\(docs/queries/(?P=file)\) \| (?P<question>[^|]+) \| (?P<columns>[^|]+) \|$", re.MULTILINE
)


def promised_columns() -> dict[str, list[str]]:
    """Query file -> the columns the README says it returns, in order."""
    return {m["file"]: [c.strip() for c in m["columns"].split(",")] for m in QUERY_ROW.finditer(README.read_text())}


@pytest.fixture(scope="module")
def published_copy(demo_build) -> Path:
    """The analysts' copy of the session's demo build (two months, planted flags)."""
    _, warehouse = demo_build
    return warehouse.parent / "analytics.duckdb"


def test_the_readme_lists_every_query_file_and_five_of_them():
    files = sorted(path.name for path in QUERIES.glob("*.sql"))
    assert sorted(promised_columns()) == files
    assert len(files) == 5


@pytest.mark.parametrize("query", sorted(path.name for path in QUERIES.glob("*.sql")))
def test_each_query_answers_with_the_promised_columns(published_copy, query):
    sql = (QUERIES / query).read_text()
    with duckdb.connect(str(published_copy), read_only=True) as con:
        result = con.execute(sql)
        columns = [d[0] for d in result.description]
        rows = result.fetchall()
    assert columns == promised_columns()[query]
    assert rows, f"{query} returned no rows on the demo build"
    # Every promised column carries data somewhere (a column of nulls answers nothing).
    for index, column in enumerate(columns):
        assert any(row[index] is not None for row in rows), f"{query}: {column} is null in every row"


def test_query_answers_match_the_marts(published_copy):
    """Spot checks that the queries compute what their questions ask."""
    with duckdb.connect(str(published_copy), read_only=True) as con:
        trace_heavy = con.execute((QUERIES / "1_trace_heavy_units.sql").read_text()).fetchall()
        latest = con.execute("select max(month) from marts.cadre_monthly").fetchone()[0]
        expected = dict(
            con.execute(
                "select unit_id, count(*) from marts.cadre_monthly where month = ? and quadrant = 'trace_heavy' group by 1",
                [latest],
            ).fetchall()
        )
        retire = con.execute((QUERIES / "2_apps_to_retire.sql").read_text()).fetchall()
        not_kept = con.execute("select count(*) from marts.app_portfolio where verdict <> 'keep'").fetchone()[0]
        flags = con.execute((QUERIES / "3_flags_by_unit_and_code.sql").read_text()).fetchall()
        all_flags = con.execute("select count(*) from marts.padding_flags").fetchone()[0]
        rose_fell = con.execute((QUERIES / "4_trace_up_result_down.sql").read_text()).fetchall()
        forced = con.execute((QUERIES / "5_forced_votes_by_unit.sql").read_text()).fetchall()
        forced_total = con.execute("select sum(forced_votes) from marts.unit_monthly").fetchone()[0]
    assert {unit: n for unit, month, _, n, *_ in trace_heavy if n} == expected and {r[1] for r in trace_heavy} == {latest}
    assert len(retire) == not_kept and all(r[3] in ("retire", "merge") and r[-1] for r in retire)
    assert sum(r[2] for r in flags) == all_flags
    assert all(trace_change > 0 and result_change < 0 for *_, trace_change, result_change, _, _ in rose_fell)
    assert sum(r[3] for r in forced) == forced_total


def test_the_notebook_code_runs_on_the_copy(published_copy, monkeypatch):
    """The notebook's code cells, run in order as Jupyter would (from docs/, FINGERTIP_PUBLISH set), with plain Python."""
    notebook = json.loads(NOTEBOOK.read_text())
    assert notebook["nbformat"] == 4
    cells = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert cells and all(not cell.get("outputs") for cell in notebook["cells"] if cell["cell_type"] == "code")
    monkeypatch.chdir(NOTEBOOK.parent)
    monkeypatch.setenv("FINGERTIP_PUBLISH", str(published_copy))
    namespace: dict = {}
    for index, source in enumerate(cells):
        exec(compile(source, f"{NOTEBOOK.name}[code cell {index}]", "exec"), namespace)
    answers = namespace["answers"]
    assert sorted(f"{name}.sql" for name in answers) == sorted(promised_columns())
    for name, frame in answers.items():
        assert list(frame.columns) == promised_columns()[f"{name}.sql"] and len(frame) > 0, name
    assert len(namespace["unit_cadres"]) > 0 and namespace["burden"].height > 0
