"""A file written whole or not at all, by any number of writers at once."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

from storage.lock import pid_alive

# This host's own temporary names: .<name>.<host>-<pid>-<thread>.tmp
_HOST = re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname())


def temporary_beside(path: Path) -> Path:
    """A name beside `path` that only this writer uses, to write to and then rename over `path`.

    A name shared by every writer (`data.parquet.tmp`) let two runs that load the same delivery
    day at once (`fingertip run` beside a run of `dagster dev`, a sensor's run beside the UI's)
    rename each other's file away: the second rename failed. Hidden and ending in `.tmp`, it is
    read by no glob of the lake's. Those a killed writer of this host left are removed here (a
    lake shared with other hosts keeps theirs: their pids mean nothing here)."""
    leftover = re.compile(rf"\.{re.escape(path.name)}\.{_HOST}-(\d+)-\d+\.tmp")
    for left in path.parent.glob(f".{path.name}.*.tmp"):
        match = leftover.fullmatch(left.name)
        with contextlib.suppress(FileNotFoundError):  # another writer's clean-up got there first
            if match and not pid_alive(int(match.group(1)), existed_at=left.stat().st_mtime):
                left.unlink(missing_ok=True)
    return path.with_name(f".{path.name}.{_HOST}-{os.getpid()}-{threading.get_ident()}.tmp")


@contextlib.contextmanager
def written_whole(path: Path) -> Iterator[Path]:
    """A temporary name of this writer's own (temporary_beside) to write `path` to; renamed over
    `path` when the block ends, and gone either way: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_beside(path)
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def one_writer(lock_file: Path) -> Iterator[None]:
    """Hold `lock_file`'s lock (waiting for it): what one writer reads and writes as a whole, such
    as a delivery day's lake files and the receipt that vouches for them, is not interleaved with
    another's. The kernel frees it when its holder dies."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
