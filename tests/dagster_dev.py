"""`dagster dev` on the project's workspace, for a test or a benchmark that needs the UI's server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from smtp_server import free_port

REPO = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def dagster_dev(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    """(its process, its port): started in a process group of its own with `env`, its output in
    `log`; stopped at the end (SIGTERM to the group, SIGKILL if it has not ended within 30 s)."""
    port = free_port()
    dev = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster"), "dev", "-w", str(REPO / "workspace.yaml"), "-p", str(port)],
        cwd=REPO,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield dev, port
    finally:
        os.killpg(dev.pid, signal.SIGTERM)
        try:
            dev.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
