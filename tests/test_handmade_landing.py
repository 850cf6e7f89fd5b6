"""A small landing folder written by hand (not by the demo generator) builds
end to end, with every number checked against what the files say."""

from conftest import query

from storage.publish import MARTS


def test_every_contract_relation_is_built(handmade_build):
    relations = {
        f"{schema}.{name}"
        for schema, name in query(
            handmade_build / "warehouse.duckdb", "select table_schema, table_name from information_schema.tables"
        )
    }
    for relation in (
        "marts.cadre_monthly",
        "marts.padding_flags",
        "marts.app_portfolio",
        "marts.unit_monthly",
        "ops.load_audit",
        "ops.quarantine",
    ):
        assert relation in relations


def test_audit_counts_each_file(handmade_build):
    audit = {
        row[0]: row[1:]
        for row in query(
            handmade_build / "warehouse.duckdb",
            "select file_path, rows_read, rows_loaded, rows_duplicate, rows_quarantined, status from ops.load_audit",
        )
    }
    assert audit["app_logins/dt=2026-09-14/part-0.jsonl"] == (3, 2, 0, 1, "loaded")
    # A re-delivered login, a login dated 16 days after its delivery day (outside
    # the plausible window: quarantined, issue 11), a bad timestamp.
    assert audit["app_logins/dt=2026-09-15/late.csv"] == (3, 0, 1, 2, "loaded")
    # The open version of the case is superseded by its resolved version.
    assert audit["cases/dt=2026-09-15/part-0.jsonl"] == (2, 1, 1, 0, "loaded")
    assert audit["checkins/dt=2026-09-14/part-1.csv.gz"][4] == "rejected"
    assert audit["reports/dt=2026-09-28/part-1.csv"] == (1, 0, 0, 1, "rejected")
    assert audit["reference/units.csv"] == (2, 1, 0, 1, "loaded")


def test_quarantine_keeps_every_bad_row_and_file_with_a_reason(handmade_build):
    rows = query(
        handmade_build / "warehouse.duckdb",
        "select file_path, row_number, reason, raw from ops.quarantine order by file_path, row_number",
    )
    by_place = {(path, number): (reason, raw) for path, number, reason, raw in rows}
    assert len(rows) == 6
    reason, raw = by_place[("app_logins/dt=2026-09-14/part-0.jsonl", 3)]
    assert "negative number: actions" in reason
    assert "unknown cadre_id" in reason
    assert "logout_at before login_at" in reason
    assert '"login_id":"L8f3a1c0000044"' in raw
    assert "unparseable timestamp: login_at='not-a-time'" in by_place[("app_logins/dt=2026-09-15/late.csv", 3)][0]
    assert (
        "login_at outside the plausible window for delivery day 2026-09-15"
        in by_place[("app_logins/dt=2026-09-15/late.csv", 2)][0]
    )
    assert by_place[("checkins/dt=2026-09-14/part-1.csv.gz", None)][0].startswith("file rejected: unreadable")
    assert "missing required column(s): cadre_id" in by_place[("reports/dt=2026-09-28/part-1.csv", None)][0]
    assert "latitude out of range" in by_place[("reference/units.csv", 2)][0]


def test_cadre_monthly_has_every_cadre_and_month(handmade_build):
    rows = query(
        handmade_build / "warehouse.duckdb",
        """
        select cadre_id, strftime(month, '%Y-%m'), login_count, screen_minutes, trace_only_logins, checkin_count,
               votes_cast, cases_opened, cases_resolved, median_reply_minutes, avg_rating
        from marts.cadre_monthly order by cadre_id, month
        """,
    )
    table = {(r[0], r[1]): r[2:] for r in rows}
    # 3 cadres x Sept: the only October login (23:30Z on 30 Sept is 07:30 on
    # 1 Oct in Asia/Shanghai) came in a delivery of 15 Sept, outside the
    # plausible window, so it is quarantined and October has no data.
    assert len(rows) == 3
    # 10 min 38 s, and an open session that counts 0; one of the two had no actions.
    assert table[("C10007", "2026-09")] == (2, 10.63, 1, 3, 1, 1, 1, 82.0, 5.0)
    assert ("C10014", "2026-10") not in table
    assert table[("C10231", "2026-09")] == (0, 0, 0, 0, 0, 0, 0, None, None)


def test_published_copy_has_marts_without_personal_data(handmade_build):
    published = handmade_build / "analytics.duckdb"
    columns = {
        (table, column)
        for table, column in query(
            published, "select table_name, column_name from information_schema.columns where table_schema = 'marts'"
        )
    }
    tables = {table for table, _ in columns}
    assert tables == set(MARTS)
    names = {column for _, column in columns}
    assert not names & {"ip", "device_id", "full_name", "lat", "lon", "evidence"}


def test_dbt_project_builds_on_its_own_for_analysts(handmade_build, dbt_on_its_own):
    """`dbt build` with the project's profiles.yml, no Dagster: same marts from the same lake. Its
    paths (FINGERTIP_WAREHOUSE, FINGERTIP_LAKE) are not those of the parse it starts from: it keeps it."""
    result, workdir = dbt_on_its_own
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Unable to do partial parsing" not in result.stdout
    sql = "select * from marts.cadre_monthly order by all"
    assert query(workdir / "by_dbt.duckdb", sql) == query(handmade_build / "warehouse.duckdb", sql)


def test_a_build_in_a_folder_dbt_never_saw_keeps_dbts_parse(handmade_build):
    """No path takes part in dbt's parse (storage/dbt_files.py reads them when dbt
    connects): this build, of a warehouse and lake in a new temp folder, started from the parse made
    before it, where paths in `--vars` or the profile made dbt parse the whole project again (6 s)."""
    dbt_output = (handmade_build / ".dagster" / "last_build.log").read_text()
    assert "Running with dbt=" in dbt_output and "Completed successfully" in dbt_output
    assert "Unable to do partial parsing" not in dbt_output


def test_a_login_dated_after_its_delivery_window_is_quarantined_not_loaded(handmade_build):
    """late.csv, delivered on 2026-09-15, holds a login of 2026-10-01: outside the
    plausible window, so the validator quarantines it (it used to load with only
    a GX warning) and no GX check fails. GX's own window check is unit-tested in
    tests/test_reliability_ingest.py."""
    summary = (handmade_build / "run_output.txt").read_text()
    failed = [line.strip() for line in summary.splitlines() if line.strip().startswith("failed check:")]
    assert failed == []
    loaded = query(
        handmade_build / "warehouse.duckdb", "select count(*) from staging.stg_app_logins where login_id = 'L8f3a1c0000050'"
    )
    assert loaded == [(0,)]
