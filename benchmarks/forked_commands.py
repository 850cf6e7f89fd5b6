"""A `fingertip` command forked from the tests' fork server (tests/forked_cli.py) against the
installed script started anew, alternated; wall time and CPU of each (issue 8: the suite's time).

    .venv/bin/python benchmarks/forked_commands.py --runs 3 dbt-months --lake /tmp/b1/lake
    .venv/bin/python benchmarks/forked_commands.py --runs 3 run --landing tests/fixtures/handmade_landing \\
        --warehouse '/tmp/fork-bench/{n}/warehouse.duckdb'

`{n}` in an argument becomes a number of its own for each command (a fresh warehouse each time).
The first forked command also starts the fork server, which imports the libraries once.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from itertools import count
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import forked_cli  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    options, command = parser.parse_known_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DAGSTER_HOME"))}
    numbers = count()
    print(f"{'how':<10} {'wall s':>7} {'cpu s':>7} {'exit':>4}")
    for _ in range(options.runs):
        args = [a.replace("{n}", str(next(numbers))) for a in command]
        cpu, started = forked_cli.cpu_of_commands, time.monotonic()
        result = forked_cli.run(args, env, REPO)
        print(f"{'forked':<10} {time.monotonic() - started:7.2f} {forked_cli.cpu_of_commands - cpu:7.2f} {result.returncode:4}")
        args = [a.replace("{n}", str(next(numbers))) for a in command]
        cpu, started = _children_cpu(), time.monotonic()
        result = subprocess.run([str(Path(sys.executable).parent / "fingertip"), *args], capture_output=True, cwd=REPO, env=env)
        print(f"{'installed':<10} {time.monotonic() - started:7.2f} {_children_cpu() - cpu:7.2f} {result.returncode:4}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
