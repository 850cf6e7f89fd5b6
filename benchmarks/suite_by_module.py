"""Where the test suite's time goes, module by module (issue 8: the suite under 3 minutes).

Runs `pytest` as `make test` does (two xdist workers) with this file as a plugin, which records,
at the start and end of every test, the worker's clock and the CPU (user + sys) of the worker
process and of the processes it started and waited for (the builds: `fingertip run`, dbt, GX).
Then prints, per xdist worker and test module in the order they ran: when it started and ended
(seconds since pytest started), its wall time, and its CPU: in all, in the worker's own process
(`own`) and in the processes it started (`started`).

    .venv/bin/python benchmarks/suite_by_module.py                 # the whole suite
    .venv/bin/python benchmarks/suite_by_module.py tests/test_alerts.py -n 0

A module's CPU includes its share of the session-wide builds it was first to ask for
(tests/conftest.py `shared`), and the first module of each worker the worker's collection.
The machine's speed varies by 20 % from hour to hour (docs/benchmarks.md, "The test suite"):
compare runs made side by side, and CPU rather than wall time.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

OUT_ENV, START_ENV = "SUITE_BY_MODULE_OUT", "SUITE_BY_MODULE_START"


_recording = False


def pytest_configure(config) -> None:
    """Record in each process that runs tests: an xdist worker, or pytest itself with `-n 0`; not in
    the xdist controller, which only relays the workers' reports."""
    global _recording
    controller = not hasattr(config, "workerinput") and bool(getattr(config.option, "numprocesses", None))
    _recording = OUT_ENV in os.environ and not controller


def _record(nodeid: str, event: str) -> None:
    if not _recording:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    line = {
        "worker": worker,
        "module": nodeid.split("::")[0],
        "event": event,
        "at": time.time() - float(os.environ[START_ENV]),
        "own": own.ru_utime + own.ru_stime,
        # The `fingertip` commands tests/forked_cli.py forked: children of its fork server, not of this process.
        "children": children.ru_utime + children.ru_stime + getattr(sys.modules.get("forked_cli"), "cpu_of_commands", 0.0),
    }
    with open(os.environ[OUT_ENV], "a") as out:  # one short line per write: the workers' lines never interleave
        out.write(json.dumps(line) + "\n")


def pytest_runtest_logstart(nodeid, location) -> None:
    _record(nodeid, "start")


def pytest_runtest_logfinish(nodeid, location) -> None:
    _record(nodeid, "end")


def by_module(lines: list[dict]) -> list[dict]:
    """Per (worker, module): first start, last end, and the CPU spent from the end of the worker's
    previous test to the end of this module's last (setup and teardown included)."""
    modules: dict[tuple, dict] = {}
    last_end: dict[str, dict] = {}
    for line in lines:
        key = (line["worker"], line["module"])
        row = modules.setdefault(
            key, {"worker": key[0], "module": key[1], "start": line["at"], "end": line["at"], "own": 0.0, "children": 0.0}
        )
        row["start"], row["end"] = min(row["start"], line["at"]), max(row["end"], line["at"])
        if line["event"] == "end":
            before = last_end.get(line["worker"], {"own": 0.0, "children": 0.0})
            row["own"] += line["own"] - before["own"]
            row["children"] += line["children"] - before["children"]
            last_end[line["worker"]] = line
    return sorted(modules.values(), key=lambda r: (r["worker"], r["start"]))


def _busy(times) -> float:
    """Seconds the machine's cores were busy (psutil.cpu_times: all but idle and waiting for I/O)."""
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def main(argv: list[str]) -> int:
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "tests.jsonl"
        env = {
            **os.environ,
            OUT_ENV: str(out),
            START_ENV: repr(time.time()),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")])),
        }
        before, started, machine_before = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic(), psutil.cpu_times()
        pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", Path(__file__).stem, "-q", *argv]
        result = subprocess.run(pytest, cwd=repo, env=env, stdout=subprocess.PIPE, text=True, errors="replace")
        code = result.returncode
        if code != 0:  # the failures, before the figures of a run that is not the whole suite's
            print(result.stdout[-20000:])
        wall, after = time.monotonic() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
        lines = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    print(f"{'worker':<7} {'start':>6} {'end':>6} {'wall':>6} {'cpu':>6} {'own':>7} {'started':>7}  module")
    rows = by_module(lines)
    for row in rows:
        cpu = row["own"] + row["children"]
        print(
            f"{row['worker']:<7} {row['start']:6.1f} {row['end']:6.1f} {row['end'] - row['start']:6.1f} "
            f"{cpu:6.1f} {row['own']:7.1f} {row['children']:7.1f}  {row['module']}"
        )
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    machine = _busy(psutil.cpu_times()) - _busy(machine_before)
    print(
        f"pytest exit {code}: {wall:.1f} s wall; CPU (user + sys): {sum(r['own'] + r['children'] for r in rows):.1f} s "
        f"in the tests (the modules above), {cpu:.1f} s in pytest's processes and those they waited for (not the "
        f"forked `fingertip` commands), {machine:.1f} s busy on the whole machine meanwhile"
    )
    if rows:  # the fixtures' teardown, the workers' exit and pytest's summary
        print(f"from the last test's end to pytest's exit: {wall - max(row['end'] for row in rows):.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
