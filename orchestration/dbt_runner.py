"""dbt inside the build's own process, as a dagster-dbt invocation (issue 8: the fixed cost).

dagster-dbt starts dbt as a child process and reads its JSON log lines. That process imports
dbt again (1.4 s of CPU) although the build's process has already imported most of it through
dagster-dbt (the rest costs it 0.25 s). Here dbt's own runner (dbtRunner, dbt's documented
programmatic invocation) runs the same command in a thread of this process, and its events
reach dagster-dbt as the dicts its JSON lines would have been, so that dagster-dbt turns them
into the same materializations and checks. A build of the hand-made landing costs 1 s less CPU,
one of 3,000 cadres 2.8 s less (docs/benchmarks.md, "dbt inside the build's process").

Used on DuckDB only: on Spark dbt starts a JVM, which belongs in a process of its own.

An interrupted build (Ctrl-C, SIGTERM, a run terminated in the UI) stops dbt as Ctrl-C stops
dbt's own process (DbtThread.cancel): a thread left inside DuckDB when Python exits aborts it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing.util
import os
import queue
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation, DbtCliResource
from dagster_dbt.asset_utils import (
    DBT_INDIRECT_SELECTION_ENV,
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_invocation import PARTIAL_PARSE_FILE_NAME, _get_dbt_target_path
from dagster_dbt.dagster_dbt_translator import validate_opt_translator
from dagster_dbt.dbt_manifest import validate_manifest

from orchestration.dbt_process import NODES_START_EVENT
from orchestration.errors import INTERRUPTED_EXIT_CODE

# dagster-dbt reads the levels a child dbt writes to its standard output: info and above.
STREAMED_LEVELS = frozenset({"info", "warn", "error"})


# No console output from dbt: its events reach dagster-dbt through the callback, which writes
# them to standard output as the child's lines were. The debug log file (dbt.log in the build's
# target folder) stays as the child wrote it: dbt would otherwise give the file the console's level.
def _console_off() -> list[str]:
    return ["--log-level", "none", "--log-level-file", os.environ.get("DBT_LOG_LEVEL_FILE") or "debug"]


_DONE = object()  # the last item of an invocation's queue
_RUNNING: set[DbtThread] = set()  # the invocations whose dbt runs now (_stop_at_exit)
_RUNNING_LOCK = threading.Lock()
# How long an interrupted build waits for dbt to stop its queries and write its run results.
CANCEL_SECONDS = 30.0


class DbtThread:
    """dbt's runner on a thread, with the part of subprocess.Popen's interface dagster-dbt uses:
    `args`, `wait()`, `returncode`. Its events, as dicts, arrive on `events`, then _DONE."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str]) -> None:
        self.args = list(args)
        self.returncode: int | None = None
        self.exception: BaseException | None = None
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self._env = dict(env)
        # Ctrl-C reaches dbt's thread at most once, and only while dbt's runner runs in it.
        self._interrupt_lock = threading.Lock()
        self._in_dbt = self._interrupted = False
        # A daemon: a run stopped by Dagster or killed ends it with the process, as it ended the child.
        self._thread = threading.Thread(target=self._run, name="dbt", daemon=True)

    def start(self) -> DbtThread:
        # dbt's runner imported here, not first on the new thread: two threads importing one module
        # at once can end one of them with an ImportError ("deadlock detected").
        import dbt.cli.main  # noqa: F401
        import dbt_common.events.functions  # noqa: F401

        with _RUNNING_LOCK:
            _RUNNING.add(self)
        self._thread.start()
        return self

    def _workers(self) -> list[threading.Thread]:
        """The live workers of dbt's thread pool: multiprocessing.dummy records in each (`_parent`)
        the thread that made the pool, which is dbt's."""
        return [t for t in threading.enumerate() if getattr(t, "_parent", None) is self._thread and t.is_alive()]

    def _busy(self) -> bool:
        """Is dbt's thread, or a worker of its pool, still running? Once interrupted, dbt does not
        always wait for a worker to finish its node."""
        return self._thread.is_alive() or bool(self._workers())

    def _run(self) -> None:
        before: dict[str, str | None] = {}
        try:
            from dbt.cli.main import dbtRunner
            from dbt_common.events.functions import msg_to_dict

            def on_event(message) -> None:
                # As in dbt's own process (orchestration/dbt_process.py): no cycle collections while
                # dbt starts; its start-up objects are frozen out of them when the nodes start.
                if message.info.name == NODES_START_EVENT and not gc.isenabled():
                    gc.freeze()
                    gc.enable()
                if message.info.level in STREAMED_LEVELS:
                    self.events.put(msg_to_dict(message))

            # What dagster-dbt sets for dbt's process (its target, log path, JSON logs, ...): dbt reads
            # it from this process's environment while it runs, and the values before go back after.
            # Inside the try: a failure here too must reach the build as an error, not leave it
            # waiting for events that never come.
            changed = {name: value for name, value in self._env.items() if os.environ.get(name) != value}
            before = {name: os.environ.get(name) for name in changed}
            os.environ.update(changed)
            gc.disable()
            try:
                with self._interrupt_lock:
                    self._in_dbt = True
                result = dbtRunner(callbacks=[on_event]).invoke([*self.args[1:], *_console_off()])
            finally:
                with self._interrupt_lock:
                    self._in_dbt = False
            self.exception = result.exception
            # dbt's exit codes: 0 success, 1 a node failed, 2 dbt itself could not run.
            self.returncode = 0 if result.success else (1 if result.exception is None else 2)
        except BaseException as error:  # noqa: BLE001 (reported to the build, which raises it)
            self.exception, self.returncode = error, 2
        finally:
            if self._interrupted:  # no worker may be inside DuckDB when its database closes below
                _cancel_queries_while(lambda: bool(self._workers()), CANCEL_SECONDS)
            try:
                gc.enable()
                for name, value in before.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
                _release_duckdb()
            except Exception as error:  # the build's later steps could not open the warehouse: say why
                self.exception, self.returncode = self.exception or error, self.returncode or 2
            finally:
                self.events.put(_DONE)  # whatever happened: the build never waits for dbt forever
                with _RUNNING_LOCK:
                    _RUNNING.discard(self)

    def wait(self, timeout: float | None = None) -> int | None:
        self._thread.join(timeout)
        return self.returncode

    def cancel(self, timeout: float = CANCEL_SECONDS) -> bool:
        """Stop dbt as Ctrl-C stops it in a process of its own (the build was interrupted): a
        KeyboardInterrupt in its thread, where dbt's runner catches it, writes its run results
        and cancels its queries; its queries are cancelled from here too until it ends, so
        that no node it still starts runs on. Whether dbt ended within `timeout` seconds.

        A thread left running in DuckDB when the interpreter exits aborts the process
        (SIGABRT: "FATAL: exception not rethrown"), and so does a worker of dbt's pool, which
        dbt does not wait for once interrupted: both are waited for."""
        current = threading.current_thread()
        if current is self._thread or getattr(current, "_parent", None) is self._thread:
            return True  # asked on dbt's own thread (a stream collected there): it ends with dbt
        with self._interrupt_lock:
            if self._in_dbt and not self._interrupted:
                self._interrupted = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._thread.ident), ctypes.py_object(KeyboardInterrupt)
                )
        with _signals_held():
            _cancel_queries_while(self._busy, timeout)
        return not self._busy()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM ignored meanwhile, on the main thread (where Python runs its handlers):
    a user pressing Ctrl-C again must not cut dbt's stop short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _stop_at_exit() -> None:
    """Stop every dbt this process still runs (DbtThread.cancel) before Python abandons its daemon
    threads: an interruption that reached Dagster outside the event stream left it running, in
    `fingertip run` or in the worker of a run `dagster dev` launched (one terminated from its UI). A dbt
    that will not stop is left to the system (os._exit): Python's own exit would abort on it."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    try:
        stopped = all([thread.cancel() for thread in running])
    except BaseException:  # noqa: BLE001 (a Ctrl-C before the signals were held: dbt may be running)
        stopped = False
    if not stopped:
        print(f"error: dbt did not stop within {CANCEL_SECONDS:.0f} s of the interruption", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(INTERRUPTED_EXIT_CODE)


# Run before the exit functions of the modules dbt imports as it runs, which take dbt's ground
# away while it still runs: multiprocessing's ends the pool of dbt's workers (dbt's thread then
# waits forever for their results), dbt-duckdb's drops the database its nodes connect to.
# - In a process Python ends (`fingertip run`): before every atexit function, as
#   concurrent.futures stops its workers (CPython's hook, called before threads are joined).
# - In a process multiprocessing started (the worker `dagster dev`'s code server starts for a
#   run, or a step's process under Dagster's multiprocess executor): its exit finalizers run
#   before that hook; the highest priority runs first, and dbt's pool has 15.
threading._register_atexit(_stop_at_exit)  # noqa: SLF001
multiprocessing.util.Finalize(None, _stop_at_exit, exitpriority=100)


def _cancel_queries_while(busy: Callable[[], bool], timeout: float) -> None:
    """Cancel dbt's queries every 0.1 s while `busy()` (at most `timeout` s): a node dbt or a worker
    of its pool still starts gets its query interrupted too."""
    deadline = time.monotonic() + timeout
    while busy() and time.monotonic() < deadline:
        _cancel_queries()
        time.sleep(0.1)


def _cancel_queries() -> None:
    """Interrupt the queries dbt's adapters run now (dbt's own cancellation, per connection)."""
    from dbt.adapters.factory import FACTORY

    with FACTORY.lock:
        adapters = list(FACTORY.adapters.values())
    for adapter in adapters:
        try:
            adapter.cancel_open_connections()
        except Exception:  # noqa: BLE001, S112 (a connection closing meanwhile: the next round retries)
            continue


def _release_duckdb() -> None:
    """Close dbt-duckdb's database. It keeps it open for the life of the process, and every other
    step of the build opens the warehouse file itself (DuckDB refuses a second open of one file
    in one process with another configuration, such as read-only)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


@dataclass
class InProcessDbtInvocation(DbtCliInvocation):
    """A dagster-dbt invocation whose dbt runs on a DbtThread instead of in a child process."""

    _drained: bool = field(init=False, default=False)

    @classmethod
    def start(cls, args: Sequence[str], env: Mapping[str, str], target_path: Path, **kwargs: Any) -> InProcessDbtInvocation:
        """As DbtCliInvocation.run, with the same arguments: the build's target folder starts
        from the parse state of the project's target, so that dbt parses only what changed."""
        project_target = _get_dbt_target_path()
        if not project_target.is_absolute():
            project_target = Path(kwargs["project_dir"]) / project_target
        parse_state = project_target / PARTIAL_PARSE_FILE_NAME
        if parse_state.exists() and not (target_path / PARTIAL_PARSE_FILE_NAME).exists():
            target_path.mkdir(parents=True, exist_ok=True)
            shutil.copy(parse_state, target_path / PARTIAL_PARSE_FILE_NAME)
        return cls(process=DbtThread(args, env).start(), target_path=target_path, **kwargs)

    def _stream_stdout(self) -> Iterator[str | dict[str, Any]]:
        """dbt's events as dagster-dbt reads them from a child's output, errors noted as it notes
        them. Once: dagster-dbt asks again after the stream (a child's closed output gives nothing).
        If the step is interrupted (Ctrl-C, SIGTERM) or the stream dropped, dbt is stopped first."""
        if self._drained:
            return
        thread: DbtThread = self.process
        ended = False
        try:
            while (event := thread.events.get()) is not _DONE:
                if event["info"]["level"] == "error":
                    self._error_messages.append(event["info"]["msg"])
                yield event
            ended = True
        finally:
            if not ended and not thread.cancel():
                self._error_messages.append(f"dbt did not stop within {CANCEL_SECONDS:.0f} s of the interruption")
        self._drained = True
        thread.wait()
        if thread.exception is not None:
            self._error_messages.append(f"{type(thread.exception).__name__}: {thread.exception}")


def start_invocation(
    resource: DbtCliResource,
    args: Sequence[str],
    *,
    raise_on_error: bool = True,
    manifest: Any = None,
    dagster_dbt_translator: DagsterDbtTranslator | None = None,
    context: Any = None,
    target_path: Path | None = None,
) -> InProcessDbtInvocation:
    """DbtCliResource.cli's own preparation (dagster-dbt 0.29: the selection of the assets the
    run picked, the target folder, the environment dbt reads), then dbt on a DbtThread.
    tests/test_definitions.py compares a build's dbt command with the one dagster-dbt gives."""
    translator = validate_opt_translator(dagster_dbt_translator) or DagsterDbtTranslator()
    cleaned_args, selects, excludes = extract_runtime_selection_from_args(args)
    params = get_updated_cli_invocation_params_for_context(
        context=context,
        manifest=validate_manifest(manifest) if manifest else {},
        dagster_dbt_translator=translator,
        runtime_selects=selects,
        runtime_excludes=excludes,
    )
    target_path = target_path or resource._get_unique_target_path(context=context)
    project_dir = Path(params.dbt_project.project_dir if params.dbt_project else resource.project_dir)
    env = {
        **os.environ,
        "DAGSTER_DBT_CLI": "true",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_FORMAT": "json",
        "DBT_TARGET_PATH": os.fspath(target_path),
        "DBT_LOG_PATH": os.fspath(target_path),
        **({"DBT_PROFILES_DIR": resource.profiles_dir} if resource.profiles_dir else {}),
        "DBT_PROJECT_DIR": str(project_dir),
        **({DBT_INDIRECT_SELECTION_ENV: params.indirect_selection} if params.indirect_selection else {}),
    }
    profile_args = [
        *(["--profile", resource.profile] if resource.profile else []),
        *(["--target", resource.target] if resource.target else []),
    ]
    if not target_path.is_absolute():
        target_path = project_dir / target_path
    return InProcessDbtInvocation.start(
        args=[resource.dbt_executable, *resource.global_config_flags, *cleaned_args, *profile_args, *params.selection_args],
        env=env,
        manifest=params.manifest,
        dagster_dbt_translator=params.dagster_dbt_translator,
        project_dir=project_dir,
        target_path=target_path,
        raise_on_error=raise_on_error,
        context=context,
        adapter=None,
        cli_version=resource._cli_version,
        project=params.dbt_project,
    )
