"""What went wrong in a failed Dagster step, and in a failed dbt build, in one line for a person."""

from __future__ import annotations

import os
import re
from pathlib import Path

# A message longer than this is cut: the full error is in the run's log.
MAX_MESSAGE_CHARS = 300
# DuckDB's memory limit during `dbt build` (dbt_project/profiles.yml reads it).
MEMORY_ENV = "FINGERTIP_DUCKDB_MEMORY"
# The exit code of an interrupted build, as a shell reports a command stopped by Ctrl-C (128 + SIGINT).
INTERRUPTED_EXIT_CODE = 130


def was_interrupted(error) -> bool:
    """Did the step fail because the run was interrupted (Ctrl-C, SIGTERM), not because of its work?"""
    while error is not None:
        if error.cls_name == "DagsterExecutionInterruptedError":
            return True
        error = error.cause
    return False


def root_cause_message(error) -> str:
    """The user's exception behind a step failure (a SerializableErrorInfo), not Dagster's
    wrapper of it: its message on one line, without the exception's class-path prefix."""
    root = error
    while root is not None and root.cause is not None:
        root = root.cause
    if root is None or not root.message.strip():
        return "unknown error"
    message = " ".join(root.message.split())
    prefix, _, rest = message.partition(": ")
    if rest and root.cls_name and prefix.endswith(root.cls_name):
        message = rest
    if dbt_exit := DAGSTER_DBT_FAILURE.match(message):
        # dagster-dbt's wrapper sends the reader to compute logs, which `fingertip run` does not
        # keep: dbt's own failure lines follow this one, and the build log holds the rest.
        message = f"`{dbt_exit['command']}` failed with exit code {dbt_exit['code']}"
    return _shortened(message)


# dagster-dbt's message when dbt ends with an error (DagsterDbtCliRuntimeError).
DAGSTER_DBT_FAILURE = re.compile(r"The dbt CLI process with command `(?P<command>[^`]*)` failed with exit code `(?P<code>\d+)`")


def _shortened(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE_CHARS else message[: MAX_MESSAGE_CHARS - 3] + "..."


# dbt's summary of a failed build: a line per failed node ("Failure in model x (path)"), then why.
FAILURE_HEADS = ("Failure in ", "Error in ")
# An error's kind on a line of its own: what a failure's block says first, or a block of its own.
ERROR_KINDS = ("Runtime Error in ", "Database Error in ", "Compilation Error in ", "Dependency Error in ")
# Lines of a block that are not its cause: where the SQL is, DuckDB's general advice, a bare
# "ERROR" (a failed microbatch model: its batch's error was logged as it ran).
NOT_THE_CAUSE = ("compiled code at ", "compiled Code at ", "See test failures", "Possible solutions", "* ", "See also ")


def dbt_failures(build_log: Path, limit: int = 10) -> list[str]:
    """Each node dbt's summary says failed, with its cause when dbt gives one: a line each.

    e.g. "Failure in model int_flags__photo_reuse (models/...sql): IO Error: Could not write file
    "...": No space left on device" (dbt puts the cause two lines below the node)."""
    failures: list[list[str]] = []  # [node, cause or ""]
    in_block = False
    for line in _log_lines(build_log):
        if line.startswith(FAILURE_HEADS) or (line.startswith(ERROR_KINDS) and not in_block):
            failures.append([line, ""])
            in_block = True
        elif not line:
            in_block = False
        elif in_block and not failures[-1][1] and not line.startswith((*ERROR_KINDS, *NOT_THE_CAUSE)) and line != "ERROR":
            failures[-1][1] = _shortened(line)
    found = list(dict.fromkeys(f"{node}: {cause}" if cause else node for node, cause in failures))
    if len(found) > limit:
        found = [*found[:limit], f"... and {len(found) - limit} more (full log)"]
    return found


def dbt_failure_advice(build_log: Path, warehouse: Path) -> list[str]:
    """What to do about a failure whose cause is the machine's, not the data's or the code's."""
    text = "\n".join(_log_lines(build_log))
    advice = []
    if "No space left on device" in text:
        from storage.dbt_files import spill_folder  # dbt's plugin module: read only when this is said

        advice.append(
            f"the disk is full: free space where the warehouse ({warehouse.parent}) and DuckDB's spill folder "
            f"({spill_folder(str(warehouse))}) are, then run again"
        )
    if "Out of Memory Error" in text:
        memory = os.environ.get(MEMORY_ENV) or "not set: dbt_project/profiles.yml's default"
        advice.append(
            f"DuckDB ran out of memory in dbt's build ({MEMORY_ENV}: {memory}): set {MEMORY_ENV} higher if this "
            "machine has the memory (DuckDB spills to disk beyond it), then run again"
        )
    return advice


def _log_lines(build_log: Path) -> list[str]:
    """The log's lines without colours, dbt's time of day (its text output on a console) and the
    indent; none if it cannot be read."""
    try:
        text = build_log.read_text(errors="replace")
    except OSError:
        return []
    return [re.sub(r"^\d\d:\d\d:\d\d ", "", re.sub(r"\x1b\[[0-9;]*m", "", line)).strip() for line in text.splitlines()]
