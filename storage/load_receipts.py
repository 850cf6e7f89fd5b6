"""Receipts of the lake's loads, so that a delivery day (or reference snapshot) that has not
changed since it was loaded is not read, validated and written again (issue 8: a re-run of the
same landing folder cost as much as the first build).

After a load, `LAKE/_loaded/<source>/<key>.json` records:
- what the load read: each landing file's path and content hash, the reference ids the rows were checked against, the settings that change what a
  load keeps (plausible window, FINGERTIP_CLEAR_EMPTY_DAYS) and the version of the loader (its
  modules' source and Polars' version);
- what it wrote: the content hash of the day's lake file and of its books;
- its summary (counts, rejected files, warnings), which a skipped load reports again;
- once the lake file has passed the Great Expectations suite, which suite and which file.

A load is skipped only when all of that still holds. The receipt is removed before a load
starts and written after it ends, so a load that was killed half-way leaves none, and a lake
file changed by anything else no longer matches. Deleting `LAKE/_loaded/` makes the next run
load every day again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import polars as pl

from storage.atomic import written_whole

RECEIPTS_FOLDER = "_loaded"


@cache
def loader_version() -> str:
    """The loader's own version: its modules' source (a fix to validation reloads every day) and Polars'."""
    import sources.contract
    import sources.landing
    import sources.validation
    import storage.lake

    digest = hashlib.sha256(pl.__version__.encode())
    for module in (sources.contract, sources.landing, sources.validation, storage.lake):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def _digest(path: Path) -> str | None:
    """The file's content hash (None when absent). Content, not size and modification time: a file
    rewritten in place within the clock's tick keeps both, and hashing costs far less than a load."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "blake2b").hexdigest()
    except FileNotFoundError:
        return None


def inputs_key(files: Iterable[tuple[str, Path]], ids: Mapping[str, pl.Series], settings: Iterable) -> str:
    """One hash of what a load reads: (name, path) of each landing file, the reference ids its rows
    are checked against, and the settings that change what it keeps. Take it before reading."""
    digest = hashlib.sha256(loader_version().encode())
    for name, path in sorted(files):
        digest.update(f"\nfile {name} {_digest(path)}".encode())
    for table in sorted(ids):
        digest.update(f"\nids {table} ".encode())
        digest.update("\x1f".join(ids[table].cast(pl.String).sort().to_list()).encode())
    digest.update(f"\nsettings {json.dumps(list(settings), default=str)}".encode())
    return digest.hexdigest()


def outputs_of(paths: Iterable[Path], root: Path) -> dict[str, str | None]:
    """Each written file (relative to the lake) -> its content hash, None when absent."""
    return {path.relative_to(root).as_posix(): _digest(path) for path in paths}


def _path(lake: Path, source: str, key: str) -> Path:
    return lake / RECEIPTS_FOLDER / source / f"{key}.json"


def lock_file(lake: Path, source: str, key: str) -> Path:
    """The lock one load of the day holds while it writes the day's files and this receipt."""
    return _path(lake, source, key).with_name(f".{key}.lock")


def read(lake: Path, source: str, key: str) -> dict | None:
    try:
        return json.loads(_path(lake, source, key).read_text())
    except (FileNotFoundError, ValueError):  # none, or a torn or hand-edited file: load again
        return None


def unchanged_summary(lake: Path, source: str, key: str, inputs: str, outputs: Iterable[Path]) -> dict | None:
    """The summary of the recorded load when it read these inputs and its outputs are still as it
    wrote them; None when the day must be loaded."""
    receipt = read(lake, source, key)
    if receipt is None or receipt.get("inputs") != inputs or receipt.get("outputs") != outputs_of(outputs, lake):
        return None
    return receipt.get("summary")


def discard(lake: Path, source: str, key: str) -> None:
    _path(lake, source, key).unlink(missing_ok=True)


def _write(lake: Path, source: str, key: str, receipt: dict) -> None:
    with written_whole(_path(lake, source, key)) as tmp:
        tmp.write_text(json.dumps(receipt, indent=1, default=str))


def record(lake: Path, source: str, key: str, inputs: str, outputs: Iterable[Path], summary: Mapping) -> None:
    _write(lake, source, key, {"inputs": inputs, "outputs": outputs_of(outputs, lake), "summary": dict(summary)})


def already_checked(lake: Path, source: str, key: str, data: Path, suite: str) -> bool:
    """Whether this lake file, as it is now, passed this version of the batch expectations."""
    receipt = read(lake, source, key)
    return receipt is not None and receipt.get("checked") == [suite, data.relative_to(lake).as_posix(), _digest(data)]


def record_checked(lake: Path, source: str, key: str, data: Path, suite: str) -> None:
    """After the batch expectations passed on this lake file (kept only while its load's receipt is)."""
    receipt = read(lake, source, key)
    if receipt is not None:
        _write(lake, source, key, {**receipt, "checked": [suite, data.relative_to(lake).as_posix(), _digest(data)]})
