"""dbt's own command line, as a build runs it (the `fingertip-dbt` script): the cycle collector is off
while dbt starts.

dbt's start (its imports, then the manifest: ~600 macros and ~110 nodes) makes a few hundred thousand
objects that live as long as the process, and Python's full collections walk all of them again each
time the count of new objects passes a threshold. So the collector is off until dbt says how many
threads it will run the nodes on (its manifest is loaded then); from there the objects made so far
are frozen out of it (gc.freeze) and it is on again for what the nodes allocate. At exit nothing is
collected: the process ends. A `dbt build` of the hand-made landing: 6.4-7.5 s -> 5.3-6.3 s, peak
RSS +3 to +17 MB (docs/benchmarks.md). Commands that run no nodes (parse, ls) run without it: they end
soon after their start.

Arguments, output, logs and exit codes are dbt's own: this calls the same click command as `dbt`.
"""

from __future__ import annotations

import gc
import sys

# dbt's event once the manifest is loaded, before the first node runs ("Concurrency: 2 threads").
NODES_START_EVENT = "ConcurrencyLine"


def on_dbt_event(message) -> None:
    """A dbt event callback: turn the collector back on when the nodes start, without dbt's start-up."""
    if message.info.name == NODES_START_EVENT and not gc.isenabled():
        gc.freeze()
        gc.enable()


def main() -> None:
    gc.disable()
    from dbt.cli.main import cli

    try:
        cli.main(args=sys.argv[1:], prog_name="dbt", obj={"callbacks": [on_dbt_event]})
    finally:
        gc.freeze()  # the process ends here: its last collection would walk every object left
