"""One writer per warehouse: the lock file every build and verdict holds, and a bounded wait.

The lock is a flock on `.<warehouse>.lock` beside the warehouse: the kernel
frees it when the holding process dies, so a killed build never blocks the
next one. Waiting is always bounded (FINGERTIP_WAIT_SECONDS) and says, once,
what it waits for.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

T = TypeVar("T")
# How often a waiter tries again.
POLL_SECONDS = 0.5


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.lock")


def open_lock(warehouse: Path) -> int:
    """A descriptor of the warehouse's lock file (created if missing); closing it frees any lock it holds."""
    return os.open(lock_path(warehouse), os.O_RDWR | os.O_CREAT, 0o664)


def try_lock(fd: int) -> bool:
    """Take the exclusive lock if nobody holds it; never blocks."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def wait_for(
    attempt: Callable[[], T | None],
    wait: float,
    *,
    on_wait: Callable[[], None],
    give_up: Callable[[], NoReturn],
    interval: float = POLL_SECONDS,
) -> T:
    """Call `attempt` until it returns something other than None or False. Before the first
    pause `on_wait` says what is awaited; after `wait` seconds `give_up` raises."""
    deadline = None
    while True:
        result = attempt()
        if result is not None and result is not False:
            return result
        if deadline is None:
            deadline = time.monotonic() + wait
            on_wait()
        if time.monotonic() >= deadline:
            give_up()
        time.sleep(interval)


def process_start_time(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), or None if there is no such process.

    On Linux from /proc (so that a pid reused by a newer process is not taken
    for the old one); elsewhere only whether the pid exists (start time 0).
    """
    if pid <= 0:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime"))
        # Field 22 (starttime, clock ticks after boot); the command name (field 2) may hold spaces.
        ticks = float(stat.rsplit(")", 1)[1].split()[19])
        state = stat.rsplit(")", 1)[1].split()[0]
        if state in ("Z", "X"):  # a zombie has finished: it holds nothing
            return None
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, IndexError, StopIteration):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return 0.0


def pid_alive(pid: int, existed_at: float | None = None) -> bool:
    """Is `pid` running, and (if `existed_at` is given) the same process that existed then?"""
    started = process_start_time(pid)
    if started is None:
        return False
    return existed_at is None or started <= existed_at + 2
