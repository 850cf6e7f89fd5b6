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
