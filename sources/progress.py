"""Progress on a terminal for long work: the stage, files done, rows per second.

Shown only when the output is a terminal, so a pipe, a log file or CI gets
nothing but what the command prints anyway. Free of Dagster (only `rich`), so
the demo generator and the landing readers can report without knowing who is
listening:

    from sources import progress

    with progress.track("fingertip run") as tracker:   # the CLI does this
        ...
        progress.current().file_done(rows=9_594)        # code deep in the work (a reader)

    with progress.track("fingertip demo-data", verb="written", first_stage="simulating") as tracker:
        demo.generate(out, ..., progress=tracker.file_callback(out))   # a `progress(path, rows)` callback

Outside `track()` (tests, the Dagster UI, a pipe) `current()` is a tracker
that does nothing, so callers never check.
"""

from __future__ import annotations

import collections
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Column
from rich.text import Text

# Redraws per second: smooth enough to read, cheap enough to ignore.
REFRESH_PER_SECOND = 4
# Rows per second is measured over this many recent seconds.
RATE_WINDOW_SECONDS = 5


class Tracker:
    """What long work reports. This base class is the quiet one: every call is a no-op."""

    def stage(self, name: str, files: int | None = None) -> None:
        """A new stage starts; `files` is how many files it will do, if known."""

    def file_done(self, rows: int = 0) -> None:
        """One file read or written, with its rows."""

    def rows_done(self, rows: int) -> None:
        """Rows done that finish no file (a long in-memory step)."""

    def file_callback(self, root: Path) -> Callable[[Path, int], None]:
        """A `progress(path, rows)` callback for work that writes files under `root` (the demo generator):
        each file counts, and the folder it is in, under `root`, is the stage."""

        def file_written(path: Path, rows: int) -> None:
            parts = Path(path).relative_to(root).parts
            stage = parts[0] if len(parts) > 1 else Path(root).name
            if stage != self.stage_name:
                self.stage(stage)
            self.file_done(rows)

        return file_written

    @property
    def stage_name(self) -> str:
        return STARTING

    @property
    def files(self) -> int:
        return 0

    @property
    def rows(self) -> int:
        return 0


QUIET = Tracker()
STARTING = "starting"  # the stage until the work names its first
_current: Tracker = QUIET
_lock = threading.Lock()  # the counters (the work's thread and Dagster's stage watch both report)
_rate_lock = threading.Lock()  # the recent rows only; never held while calling into rich (its draw thread reads them)


def current() -> Tracker:
    """The tracker of the `track()` block running now, or the quiet one."""
    return _current


def is_terminal(stream: TextIO) -> bool:
    """Progress needs a terminal that understands cursor movement (not a pipe, a file or TERM=dumb)."""
    try:
        return stream.isatty() and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class TerminalTracker(Tracker):
    """One live line on the terminal: stage, files done (of how many), rows, rows per second, time."""

    def __init__(self, progress, verb: str, first_stage: str = STARTING):
        self._progress = progress
        self._verb = verb
        self._task = progress.add_task(first_stage, total=None, files="", rows="")
        self._files = self._rows = 0
        self._files_total: int | None = None
        self._stage_name = first_stage
        self._recent: collections.deque[tuple[float, int]] = collections.deque()
        self._started = time.monotonic()

    @property
    def stage_name(self) -> str:
        return self._stage_name

    @property
    def files(self) -> int:
        return self._files

    @property
    def rows(self) -> int:
        return self._rows

    def stage(self, name: str, files: int | None = None) -> None:
        with _lock:
            changed, self._stage_name = name != self._stage_name, name
            if files is not None:
                self._files_total = self._files + files
            self._show()
            if changed:
                # Drawn now, not at the next frame: a stage shorter than a frame (or reported in the
                # same poll as the next one) would otherwise never be seen.
                self._progress.refresh()

    def set_files_total(self, total: int) -> None:
        """The whole job's file count, when it is known up front (fingertip run lists the landing folder)."""
        with _lock:
            self._files_total = total
            self._show()

    def file_done(self, rows: int = 0) -> None:
        with _lock:
            self._files += 1
            self._count(rows)

    def rows_done(self, rows: int) -> None:
        with _lock:
            self._count(rows)

    def rows_per_second(self) -> float:
        """Rows over the last RATE_WINDOW_SECONDS: the current speed, which falls to 0 when reading stops."""
        with _rate_lock:
            now = time.monotonic()
            while self._recent and self._recent[0][0] < now - RATE_WINDOW_SECONDS:
                self._recent.popleft()
            # Early on, the window is only as long as the work so far.
            span = min(RATE_WINDOW_SECONDS, now - self._started)
            return sum(rows for _, rows in self._recent) / span if span > 0 else 0.0

    def _count(self, rows: int) -> None:
        self._rows += rows
        with _rate_lock:
            self._recent.append((time.monotonic(), rows))
        self._show()

    def _show(self) -> None:
        of = f"/{self._files_total}" if self._files_total is not None else ""
        self._progress.update(
            self._task,
            description=self._stage_name,
            completed=self._files,
            total=self._files_total,
            files=f"files {self._verb} {self._files}{of}",
            rows=f"{self._rows:,} rows",
        )


class RowsPerSecond(ProgressColumn):
    """Computes rows/s when it is drawn, so the figure stays current between files."""

    tracker: TerminalTracker | None = None

    def __init__(self):
        super().__init__(table_column=Column(no_wrap=True))

    def render(self, task) -> Text:
        rate = round(self.tracker.rows_per_second()) if self.tracker else 0
        return Text(f"{rate:,} rows/s" if rate else "")


@contextlib.contextmanager
def track(title: str, verb: str = "read", first_stage: str = STARTING, stream: TextIO | None = None) -> Iterator[Tracker]:
    """Show progress on `stream` (default: stdout as it is now) while the block runs, if it is a terminal.

    The live line is erased at the end, so the command's own summary is the
    last thing on screen. Lines printed meanwhile appear above it.
    """
    global _current
    stream = stream if stream is not None else sys.stdout
    if not is_terminal(stream):
        yield QUIET
        return
    # soft_wrap: lines printed meanwhile (the summary) keep their own line breaks, as without progress.
    console = Console(file=stream, force_terminal=True, soft_wrap=True)
    rate = RowsPerSecond()
    progress = Progress(
        SpinnerColumn(),
        TextColumn(f"{title}: [bold]{{task.description}}"),
        BarColumn(),
        TextColumn("{task.fields[files]}"),
        TextColumn("{task.fields[rows]}"),
        rate,
        TimeElapsedColumn(),
        console=console,
        transient=True,
        refresh_per_second=REFRESH_PER_SECOND,
        redirect_stdout=True,
        # stderr joins the live display only when it is the same terminal; else it stays where it was sent.
        redirect_stderr=is_terminal(sys.stderr),
    )
    tracker = TerminalTracker(progress, verb, first_stage)
    rate.tracker = tracker
    previous = _current
    with progress:
        _current = tracker
        try:
            yield tracker
        finally:
            _current = previous
