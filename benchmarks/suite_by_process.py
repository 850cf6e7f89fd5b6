"""Where the test suite's CPU goes, by kind of process (issue 8: the suite under 3 minutes).

Runs `pytest` as `make test` does (or the command after `--`) and samples every process of the
machine from /proc every 0.1 s while it runs. Each process started after the sampling began is
kept with its last CPU time (user + sys) and its command line, then classed by what it is: a
`fingertip run`, its dbt process, its Great Expectations process, dbt run by hand, an xdist worker,
Chromium, `dagster dev` and its processes, and so on. Prints, per class, the CPU and how many
processes. Processes that live less than a sample's interval may be missed (they cost little).
Every new process of the machine counts, so run it on an otherwise idle machine.

    .venv/bin/python benchmarks/suite_by_process.py                        # the whole suite
    .venv/bin/python benchmarks/suite_by_process.py -- .venv/bin/pytest tests/test_alerts.py -n 0

Complements benchmarks/suite_by_module.py (the same CPU by test module). The sampler costs some CPU
of its own, so the suite runs a little slower beside it: compare classes, not the wall time.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil

INTERVAL = 0.1  # seconds between samples

# (class, pattern on the command line): the first that matches names the process.
CLASSES = [
    ("GX process of a build", r"-m storage\.gx_process"),
    ("dbt process of a build", r"bin/fingertip-dbt|orchestration\.dbt_process"),
    ("fingertip {0}", r"(?:bin/fingertip|-m orchestration\.cli) (\S+)"),
    ("dbt by hand ({0})", r"bin/dbt (?:--\S+ )*(\w+)"),
    ("xdist workers", r"import sys;exec\(eval\(sys\.stdin\.readline\(\)\)\)"),
    ("Chromium", r"chrom"),
    ("Playwright's driver", r"playwright"),
    ("pytest", r"(?:-m |bin/)pytest\b"),
    ("multiprocessing resource trackers", r"resource_tracker"),
    ("Dagster's other processes (dagster dev, log tails, orphan watchers)", r"dagster|tail -F"),
]


def process_class(command: str) -> str:
    for name, pattern in CLASSES:
        found = re.search(pattern, command)
        if found:
            return name.format(*found.groups())
    return "other: " + re.sub(r"/tmp/\S+", "<tmp>", command)[:80]


def sample(command: list[str], cwd: Path) -> tuple[int, float, dict]:
    """Run `command` in `cwd`, sampling; its exit code, wall time and {(pid, start time): (command line, CPU)}."""
    started = time.time()
    process = subprocess.Popen(command, cwd=cwd)
    seen: dict[tuple[int, float], tuple[str, float]] = {}
    me = psutil.Process().pid
    while process.poll() is None:
        for proc in psutil.process_iter(["pid", "cmdline", "cpu_times", "create_time"]):
            info = proc.info
            if info["pid"] == me or info["cpu_times"] is None or (info["create_time"] or 0) < started - 1:
                continue
            key = (info["pid"], info["create_time"])
            # A process that has ended shows no command line: keep the one seen before.
            line = " ".join(info["cmdline"] or []) or seen.get(key, ("", 0.0))[0]
            seen[key] = (line, info["cpu_times"].user + info["cpu_times"].system)
        time.sleep(INTERVAL)
    return process.returncode, time.time() - started, seen


def main(argv: list[str]) -> int:
    repo = Path(__file__).resolve().parent.parent
    as_make_test = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command = argv[argv.index("--") + 1 :] if "--" in argv else as_make_test
    code, wall, seen = sample(command, repo)
    cpu, count = Counter(), Counter()
    for line, seconds in seen.values():
        if line:  # kernel threads have none
            cpu[process_class(line)] += seconds
            count[process_class(line)] += 1
    print(f"{'CPU':>8} {'processes':>9}  class")
    for name, seconds in cpu.most_common():
        print(f"{seconds:7.1f}s {count[name]:9d}  {name}")
    print(f"exit {code}: {wall:.1f} s wall, {sum(cpu.values()):.1f} s of CPU in the processes seen")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
