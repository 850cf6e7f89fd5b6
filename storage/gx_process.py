"""Great Expectations in a process of its own, started before a build needs it.

Importing GX costs 1.5-1.7 s of one core here (its expectation modules, pandas,
altair, SQLAlchemy; scipy is deferred, below), paid by every build that validates a batch. `fingertip run`
starts this process before Dagster builds the run, so that the import runs on
another core while the definitions, dbt's manifest and the ingest keep the first
one busy. Each event source's batch is sent as soon as the source is loaded
(send_ahead), so GX validates it while the build loads the next source. The
dbt step runs next and tells the process to end once it has answered
(stop_when_done: it would only hold memory beside dbt's); the batch checks,
after dbt, read the verdicts kept here (or send their batch themselves).
A run that Dagster launches (`dagster dev`, the schedule, a sensor) starts it at
its first loaded batch instead (orchestration/checks/expectations.py send_ahead).
Every run of the ingest or the batch checks ends it when the run ends, if it is still running
(the `gx` resource, orchestration/resources.py GxProcess).
Where none was started (tests that run the assets in one process on an ephemeral
instance) or it died, a check validates in its own process, as before: the same
outcome, later.

The process is a fresh interpreter (`python -m storage.gx_process FD`) that imports
neither Dagster nor dbt and inherits no file descriptor but its end of a socket
pair, so a killed build leaves no warehouse lock open in it. The build stops it
at its end if it has not ended yet; a killed build's socket closes, and the
process ends on reading that.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.abc
import importlib.machinery
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import warnings
from collections import deque
from multiprocessing.connection import Connection
from pathlib import Path

_lock = threading.Lock()
_worker: tuple[subprocess.Popen, Connection] | None = None
# Batches sent ahead of their checks (send_ahead): the requests whose replies have not been read,
# in the order sent (the process answers in that order), and the replies read but not yet asked for.
_awaiting: deque[tuple] = deque()
_replies: dict[tuple, tuple[str, object, int]] = {}  # (status, verdict or error, pid)


def start() -> None:
    """Start the process (GX's import begins at once); a second call does nothing."""
    global _worker
    with _lock:
        if _worker is not None:
            return
        ours, theirs = socket.socketpair()
        with theirs:
            process = subprocess.Popen(
                [sys.executable, "-m", "storage.gx_process", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                # GX (and pyspark, with the spark extra) may print notices on import: the build's
                # terminal shows its own summary; every outcome comes back through the socket.
                stdout=subprocess.DEVNULL,
            )
        _worker = (process, Connection(ours.detach()))


def stop() -> None:
    """End the process now, and forget the verdicts it gave that no check asked for. It holds
    nothing to save, and one still importing GX would not see its socket close before the import ends."""
    ending = _worker
    if ending is not None:
        ending[0].terminate()  # a thread waiting for its replies (stop_when_done) holds the lock until then
    with _lock:
        _end_process()
        _replies.clear()


def stop_when_done() -> None:
    """End the process once it has answered every batch sent to it, in a thread of its own: the
    build goes on (dbt), and the checks find their verdicts kept here (`validate`)."""
    threading.Thread(target=_finish_and_end, name="gx-process-finish", daemon=True).start()


def _finish_and_end() -> None:
    with _lock:
        if _worker is None:
            return
        # If it died, the checks whose batches it did not answer validate in their own process.
        with contextlib.suppress(EOFError, OSError):
            _read_replies(until=None)
        _end_process()


def _end_process() -> None:
    """Let the process go. The requests it did not answer are forgotten with it (their checks
    validate in the build's own process); a process started later must not be paired with them."""
    global _worker
    if _worker is None:
        return
    process, connection = _worker
    _worker = None
    _awaiting.clear()
    connection.close()
    process.terminate()
    process.wait()


def _read_replies(until: tuple | None) -> None:
    """Read the process's replies (in the order the requests were sent) until the one for `until`
    has come, or (None) until none is awaited. Holds `_lock`."""
    process, connection = _worker
    while _awaiting and (until is None or until not in _replies):
        status, value = connection.recv()
        _replies[_awaiting.popleft()] = (status, value, process.pid)


def process() -> subprocess.Popen | None:
    """The GX process, if one was started and not stopped."""
    with _lock:
        return _worker[0] if _worker is not None else None


def _request(source: str, files: list[Path], window: tuple[int, int]) -> tuple:
    """What the process is sent, hashable: it is also the key of its reply. Each file goes with what
    identifies its content (_identity), so that a verdict on a file that has been rewritten since (a batch
    sent ahead by a run that ended before its check, in a process that runs another) is not taken
    for the new file's."""
    return (source, tuple((str(file), _identity(file)) for file in files), tuple(window))


def _identity(file: Path) -> tuple:
    """The file as it is now: a lake file is replaced by a rename (a new inode), and its size and
    times tell a rewrite in place apart, but for one of the same size within the clock's tick."""
    try:
        stat = file.stat()
    except OSError:  # gone: validate_files says so
        return (None,)
    return stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


def _validate(request: tuple) -> dict:
    """validate_files on a request's batch."""
    from storage.batch_expectations import validate_files

    source, files, window = request
    return validate_files(source, [name for name, _ in files], window)


def send_ahead(source: str, files: list[Path], window: tuple[int, int]) -> None:
    """Send the GX process a batch its check will ask for later, without waiting for the verdict:
    it validates one source's batch while the build loads the next source. Does nothing where no
    process runs or the batch was sent already; a process that died is found out by the check."""
    request = _request(source, files, window)
    with _lock:
        if _worker is None or request in _replies or request in _awaiting:
            return
        try:
            _worker[1].send(request)
        except OSError:
            return
        _awaiting.append(request)


def validate(source: str, files: list[Path], window: tuple[int, int]) -> tuple[dict, str]:
    """GX's outcome for one source's lake files as one batch, and where it ran: in the GX
    process when one is running (the verdict on the batch sent ahead, if it was), else in this one."""
    request = _request(source, files, window)
    with _lock:
        if _worker is not None and request not in _replies:
            try:
                if request not in _awaiting:
                    _worker[1].send(request)
                    _awaiting.append(request)
                _read_replies(until=request)
            except (EOFError, OSError):
                _end_process()  # it died (killed, out of memory, GX failed to import): validate here
        if request in _replies:
            status, value, pid = _replies.pop(request)
            if status == "error":
                raise value
            return value, f"GX process (pid {pid})"
    return _validate(request), "the build's own process"


class _ScipyOnFirstUse(importlib.abc.MetaPathFinder):
    """Loads scipy's Python modules when something first reads from them, not when they are imported.

    GX registers every expectation it has when it is imported, among them the distribution tests
    (Kolmogorov-Smirnov, KL divergence) whose modules import scipy.stats; fingertip's suites
    (storage/batch_expectations.py) use none of them. Running scipy.stats was 0.5-0.6 s of the
    2.1-2.2 s of CPU this process's import took (the collector off, as below).
    An expectation that does use scipy still gets it: the module loads on its first attribute read.
    """

    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] != "scipy":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        # Only Python source: a compiled extension module is loaded as usual when its importer runs.
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def _import_gx() -> None:
    """Import GX and the suites, as this process does before its first request."""
    sys.meta_path.insert(0, _ScipyOnFirstUse())
    # GX looks for Spark when imported; where the spark extra is installed, that import of pyspark made
    # this import 1.80 s of CPU against 1.65 s (medians of 10). This process validates pandas batches of
    # the lake's files, whatever the engine: None in sys.modules makes `import pyspark` fail here.
    sys.modules.setdefault("pyspark", None)
    # GX's modules live as long as this process: the cycle collector's full passes over them during
    # the import took 1.3 of its 3.1-3.3 s (1.8-2.0 s without); frozen out of it, on for the validations.
    gc.disable()
    import great_expectations  # noqa: F401  (what this process is for: the import, ahead of the first request)
    import great_expectations.expectations  # noqa: F401

    import storage.batch_expectations  # noqa: F401

    gc.freeze()
    gc.enable()


def _serve(connection: Connection) -> None:
    """The process: import GX, then validate each request until the socket closes."""
    _import_gx()
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", _validate(request))
        except Exception as error:  # the check fails with the error it would meet in the build's process
            reply = ("error", error)
        try:
            connection.send(reply)
        except Exception:  # an error that cannot be pickled: its text still says what went wrong
            connection.send(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))


if __name__ == "__main__":
    # Ctrl-C in a terminal reaches every process of the command: the build decides, and ends this
    # one (its socket closes); left to Python, it printed a KeyboardInterrupt traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # As orchestration/__init__.py does for the build's process: GX finds pyspark (the spark extra)
    # and pyspark warns about pandas 3; fingertip never runs GX on Spark.
    warnings.filterwarnings("ignore", category=FutureWarning, message="PySpark does not yet fully support pandas")
    _serve(Connection(int(sys.argv[1])))
    os._exit(0)  # no interpreter teardown of GX's modules: nothing is left to flush
