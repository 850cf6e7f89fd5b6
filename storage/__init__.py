"""Where fingertip keeps data between the landing folder and the analysts: the lake
(validated Parquet, lake.py), the analysts' copy (publish.py), the warehouse
file's lock (one writer at a time) with waiting for it within a limit (lock.py),
how dbt finds the warehouse file and the lake (dbt_files.py, a dbt-duckdb plugin),
and the Great Expectations suites on the lake's batches (batch_expectations.py) with
the process that imports GX beside a build and runs them (gx_process.py); files written
whole by several writers at once (atomic.py)."""
