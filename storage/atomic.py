"""A file written whole or not at all, by any number of writers at once."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def temporary_beside(path: Path) -> Path:
    """A name beside `path` that only this writer uses, to write to and then rename over `path`.

    A name shared by every writer (`data.parquet.tmp`) let two runs that load the same delivery
    day at once (`fingertip run` beside a run of `dagster dev`, a sensor's run beside the UI's)
    rename each other's file away: the second rename failed. Hidden and ending in `.tmp`, it is
    read by no glob of the lake's; those a killed writer left are removed here."""
    for left in path.parent.glob(f".{path.name}.*-*.tmp"):
        if not _alive(int(left.name.rsplit(".", 2)[-2].split("-")[0])):
            left.unlink(missing_ok=True)
    return path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
