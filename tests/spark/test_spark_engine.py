"""Issue 9: with FINGERTIP_ENGINE=spark, `fingertip run` builds through Dagster on Spark.

Ingest writes the same lake, dbt runs against the `spark` target, the marts and
ops books Spark writes as Parquet are loaded into the warehouse file, and the
analysts' copy is published from it. Run by `make test-spark` only.

One Spark build carries the whole round trip: the Spark warehouse starts as a
copy of the DuckDB build with an inspector's verdict recorded on one flag and
every mart dropped, so that each mart the test reads must have come back from
Spark, and the verdict must have gone to Spark and back.
"""

from __future__ import annotations

import shutil

import duckdb
from conftest import fingertip
from test_spark_equality import _key, _same

MARTS = ["app_portfolio", "cadre_monthly", "flag_review_outcomes", "padding_flags", "unit_monthly"]


def _published(copy, mart: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(copy), read_only=True) as con:
        cursor = con.execute(f"select * from marts.{mart}")
        return [d[0] for d in cursor.description], cursor.fetchall()


def test_fingertip_run_on_spark_publishes_what_duckdb_publishes(tmp_path):
    landing = tmp_path / "landing"
    fingertip("demo-data", "--out", str(landing), "--cadres", "50", "--days", "21", "--seed", "5", "--start", "2026-08-20")
    duck = tmp_path / "duckdb" / "warehouse.duckdb"
    fingertip("run", "--landing", str(landing), "--warehouse", str(duck))

    spark = tmp_path / "spark_engine" / "warehouse.duckdb"
    spark.parent.mkdir()
    shutil.copy(duck, spark)
    with duckdb.connect(str(spark), read_only=True) as con:
        flag_id, flag_code = con.execute("select flag_id, flag_code from marts.padding_flags order by flag_id limit 1").fetchone()
    fingertip(
        "review", flag_id, "--verdict", "confirmed", "--note", "seen on site", "--by", "inspector", "--warehouse", str(spark)
    )
    with duckdb.connect(str(spark)) as con:
        for mart in MARTS:
            con.execute(f"drop table marts.{mart}")

    result = fingertip("run", "--landing", str(landing), "--warehouse", str(spark), env={"FINGERTIP_ENGINE": "spark"})
    assert "engine: spark" in result.stdout
    assert list((spark.parent / "spark" / "marts" / "padding_flags").glob("*.parquet")), "Spark wrote no Parquet"

    duck_copy, spark_copy = duck.with_name("analytics.duckdb"), spark.with_name("analytics.duckdb")
    for mart in MARTS:
        duck_columns, duck_rows = _published(duck_copy, mart)
        spark_columns, spark_rows = _published(spark_copy, mart)
        assert spark_columns == duck_columns, f"{mart}: columns differ"
        if mart == "padding_flags":  # the verdict: the one flag is confirmed on Spark, open on DuckDB
            status = spark_columns.index("review_status")
            confirmed = [row for row in spark_rows if row[status] == "confirmed"]
            assert [row[0] for row in confirmed] == [flag_id]
            spark_rows = [row for row in spark_rows if row[0] != flag_id]
            duck_rows = [row for row in duck_rows if row[0] != flag_id]
        if mart == "flag_review_outcomes":  # the verdict counts on Spark only
            code, confirmed = spark_columns.index("flag_code"), spark_columns.index("confirmed")
            assert sum(row[confirmed] for row in spark_rows if row[code] == flag_code) == 1
            continue
        assert len(spark_rows) == len(duck_rows), f"{mart}: {len(spark_rows)} rows on Spark, {len(duck_rows)} on DuckDB"
        for duck_row, spark_row in zip(sorted(duck_rows, key=_key), sorted(spark_rows, key=_key), strict=True):
            differ = [c for c, a, b in zip(duck_columns, duck_row, spark_row, strict=True) if not _same(a, b)]
            assert not differ, f"{mart}: {differ} differ in {spark_row}"

    with duckdb.connect(str(duck), read_only=True) as a, duckdb.connect(str(spark), read_only=True) as b:
        books = "select source, count(*), sum(rows_loaded), sum(rows_quarantined) from ops.load_audit group by 1 order by 1"
        assert b.execute(books).fetchall() == a.execute(books).fetchall()
