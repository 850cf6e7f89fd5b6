"""The `fingertip` command in a process of its own, forked from one that has imported its libraries.

Most of the suite's time is `fingertip` commands, and about 2 s of CPU of each is Python importing
Dagster, dbt, dagster-dbt, DuckDB and Polars before the command starts (`python -X importtime`).
A worker's first command starts multiprocessing's fork server, which imports them once (LIBRARIES);
each command is then a fork of it: a new process, with its own arguments, environment, working
folder, stdout, stderr and exit code, that runs the console script's code (`orchestration.cli:main`)
and ends as multiprocessing's processes do, as Dagster's run workers do (threads' exit hooks run).

fingertip's own modules are not imported ahead: they read settings from the environment, and each
command's environment is its own. Tests of how a command's process ends by itself (Ctrl-C, Python's
exit), of what it imports, or of another user's checkout run the installed script (conftest.FINGERTIP).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

# Imported once per fork server, before any fork: third-party only, none of them reads a setting of ours.
LIBRARIES = ["dagster", "dagster_dbt", "dbt.cli.main", "dbt.adapters.duckdb", "duckdb", "polars"]

_forks = multiprocessing.get_context("forkserver")
_forks.set_forkserver_preload(LIBRARIES)

# CPU (user + sys, seconds) of the commands this process ran: they are children of the fork server,
# not of the test's process, so its RUSAGE_CHILDREN does not count them (benchmarks/suite_by_module.py adds this).
cpu_of_commands = 0.0


class Command:
    """A forked `fingertip` command, as subprocess.Popen shows one: pid, poll(), wait(), kill(), returncode."""

    def __init__(self, process, cpu: Path) -> None:
        self._process, self._cpu = process, cpu
        self.pid = process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def kill(self) -> None:
        self._process.kill()

    def wait(self, timeout: float | None = None) -> int:
        global cpu_of_commands
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(["fingertip"], timeout)
        if self._cpu.exists():
            text = self._cpu.read_text()
            cpu_of_commands += json.loads(text) if text else 0.0  # a killed command wrote none: uncounted
            self._cpu.unlink()
        return self._process.exitcode


def start(
    args: list[str], env: dict[str, str], cwd: Path, streams: tuple[Path, Path] | str, new_session: bool = False
) -> Command:
    """`fingertip <args>` as a forked process. `streams`: the files its stdout and stderr are written
    to, or a terminal's device (a pty's, os.ttyname), its stdin, stdout, stderr and controlling
    terminal, as a shell gives a command. `new_session`: in a process group of its own."""
    handle, cpu = tempfile.mkstemp(prefix="fingertip-command-", suffix=".cpu")
    os.close(handle)
    streams = streams if isinstance(streams, str) else tuple(str(path) for path in streams)
    process = _forks.Process(target=_command, args=(list(args), env, str(cwd), streams, cpu, new_session))
    process.start()
    return Command(process, Path(cpu))


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """`fingertip <args>` as a forked process, to its end; its output is kept in temporary files while it runs."""
    with tempfile.TemporaryDirectory(prefix="fingertip-command-") as folder:
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        code = start(args, env, cwd, (out, err)).wait()
        return subprocess.CompletedProcess(
            ["fingertip", *args], code, out.read_text(errors="replace"), err.read_text(errors="replace")
        )


def _command(args: list[str], env: dict[str, str], cwd: str, streams: tuple[str, str] | str, cpu: str, new_session: bool) -> None:
    """In the fork: what the console script does, in the command's own folder, environment and streams."""
    if new_session or isinstance(streams, str):
        os.setsid()
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    if isinstance(streams, str):
        terminal = os.open(streams, os.O_RDWR)  # a session leader's first terminal: its controlling one
        for fd in (0, 1, 2):
            os.dup2(terminal, fd)
        os.close(terminal)
        sys.stdout.reconfigure(line_buffering=True)  # as Python sets it up on a terminal
    else:
        for fd, path in zip((1, 2), streams, strict=True):
            opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
    sys.argv = [str(Path(sys.executable).parent / "fingertip"), *args]
    try:
        from orchestration.cli import main

        code = main(args)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        Path(cpu).write_text(json.dumps(own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime))
    sys.exit(code)
