"""Lake files and load receipts are written whole, by any number of writers at once.

Two runs may load the same delivery day at once (`fingertip run` beside a run of `dagster dev`,
a sensor's run beside one from the UI). They wrote through one temporary name per file
(`data.parquet.tmp`), so one renamed the other's file away and failed: `No such file or
directory: .../data.parquet.tmp`. Here threads of one process, and a writer killed earlier,
stand for them.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from storage import load_receipts
from storage.atomic import _HOST
from storage.lake import _write

WRITERS, WRITES = 8, 40


def test_writers_of_one_lake_file_at_once_all_succeed_and_leave_it_whole(tmp_path):
    target = tmp_path / "votes" / "dt=2026-09-16" / "data.parquet"

    def write(writer: int) -> None:
        for n in range(WRITES):
            _write(pl.DataFrame({"writer": [writer] * 100, "n": [n] * 100}), target)
            load_receipts.record(tmp_path, "votes", "2026-09-16", f"{writer}-{n}", [target], {"rows": 100})

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))  # any writer's error is raised here
    frame = pl.read_parquet(target)
    assert frame.height == 100 and frame["writer"].n_unique() == 1
    assert load_receipts.read(tmp_path, "votes", "2026-09-16")["summary"] == {"rows": 100}
    assert [p.name for p in tmp_path.rglob("*") if p.is_file() and p.name.endswith(".tmp")] == []


def test_what_a_killed_writer_left_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "data.parquet"
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    left = tmp_path / f".data.parquet.{_HOST}-{dead}-1.tmp"
    left.write_bytes(b"half a file")
    elsewhere = tmp_path / f".data.parquet.other_host-{dead}-1.tmp"  # its pid means nothing here
    elsewhere.write_bytes(b"being written on another host")
    stray = tmp_path / ".data.parquet.not-ours.tmp"
    stray.write_bytes(b"?")
    _write(pl.DataFrame({"a": [1]}), target)
    assert not left.exists() and pl.read_parquet(target)["a"].to_list() == [1]
    assert elsewhere.exists() and stray.exists()
