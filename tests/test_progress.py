"""`fingertip run` shows progress on a terminal (stage, files read, rows per second) and nothing extra when piped.

The terminal is a real pseudo-terminal (pty) around a real `fingertip run`
process on the session's demo landing; the piped run is the session's
hand-made build (conftest), whose stdout was captured through a pipe.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

from conftest import FINGERTIP, REPO

from sources import progress
from sources.contract import EVENT_SOURCES, REFERENCE_SOURCE

# A wide terminal, so that no column of the progress line is cut to an ellipsis.
TERMINAL_COLUMNS, TERMINAL_ROWS = 200, 50
# A build of the hand-made landing takes about a minute on two shared cores.
RUN_TIMEOUT_SECONDS = 900
READ_CHUNK = 65536
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PROGRESS_MARKS = ("rows/s", "files read", "fingertip run:", "\x1b[", "\r")
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"  # rich's default "dots" spinner
# What `fingertip run` reads from a landing folder (not _truth/, the demo's answers).
READ_FOLDERS = {REFERENCE_SOURCE, *EVENT_SOURCES}


def run_in_terminal(args: list[str], env: dict) -> tuple[int, str]:
    """Run a command with stdin, stdout and stderr on a new pty; everything it drew, and its exit code."""
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", TERMINAL_ROWS, TERMINAL_COLUMNS, 0, 0))
    process = subprocess.Popen(args, stdin=child_fd, stdout=child_fd, stderr=child_fd, env=env, cwd=REPO, close_fds=True)
    os.close(child_fd)
    drawn = bytearray()
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main_fd], [], [], 1)
        if ready:
            try:
                chunk = os.read(main_fd, READ_CHUNK)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            drawn += chunk
        elif process.poll() is not None:
            break
    else:
        process.kill()
    os.close(main_fd)
    return process.wait(), drawn.decode("utf-8", errors="replace")


def frames(drawn: str) -> list[str]:
    """The lines a terminal showed, one per redraw, without colour and cursor codes."""
    return [line.strip() for line in re.split(r"[\r\n]+", ANSI.sub("", drawn)) if line.strip()]


CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


def final_screen(drawn: str) -> list[str]:
    """What the terminal shows once the command has ended: the cursor moves and line erases that rich
    uses are applied (a minimal terminal: text, \\r, \\n, cursor up/down, erase line), colours ignored."""
    screen: list[list[str]] = [[]]
    row = col = 0
    position = 0
    while position < len(drawn):
        char = drawn[position]
        control = CSI.match(drawn, position)
        if control:
            argument, command = control.groups()
            count = int(argument) if argument.isdigit() else 1
            if command == "A":
                row = max(0, row - count)
            elif command == "B":
                row += count
            elif command == "K":  # erase in line: 2 = all of it, else from the cursor on
                screen[row][:] = [] if argument == "2" else screen[row][:col]
            position = control.end()
            while len(screen) <= row:
                screen.append([])
            continue
        if char == "\r":
            col = 0
        elif char == "\n":
            row, col = row + 1, 0
            while len(screen) <= row:
                screen.append([])
        elif char >= " ":
            line = screen[row]
            line.extend(" " * (col - len(line) + 1) if col >= len(line) else "")
            line[col] = char
            col += 1
        position += 1
    return [text for text in ("".join(line).rstrip() for line in screen) if text]


def progress_lines(shown: list[str]) -> list[str]:
    return [line.lstrip(SPINNER + " ") for line in shown if line.lstrip(SPINNER + " ").startswith("fingertip run:")]


def test_run_on_a_terminal_shows_stages_files_and_rows_per_second(demo_build, tmp_path):
    """The demo landing (hundreds of files), built again into a new warehouse with a terminal for output."""
    landing, _ = demo_build
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINGERTIP_", "DAGSTER_HOME"))}
    env["TERM"] = "xterm-256color"
    code, drawn = run_in_terminal(
        [FINGERTIP, "run", "--landing", str(landing), "--warehouse", str(tmp_path / "warehouse.duckdb")], env
    )
    shown = frames(drawn)
    assert code == 0, "\n".join(shown[-40:])
    lines = progress_lines(shown)
    assert lines, f"no progress line on the terminal:\n{drawn[-3000:]}"
    distinct = "\n".join(dict.fromkeys(re.sub(r"\s+", " ", line) for line in lines))
    # The stages come from the run's own Dagster steps.
    for stage in ("ingest app_logins", "ingest checkins", "ingest votes", "dbt build"):
        assert f"fingertip run: {stage} " in distinct, f"stage {stage!r} never shown:\n{distinct[-4000:]}"
    total = sum(1 for path in landing.rglob("*") if path.is_file() and path.relative_to(landing).parts[0] in READ_FOLDERS)
    assert re.search(rf"files read {total}/{total}\b", distinct), f"never showed all {total} files read:\n{distinct[-4000:]}"
    rates = [int(rate.replace(",", "")) for rate in re.findall(r"([\d,]+) rows/s", distinct)]
    assert rates and max(rates) > 0, f"no rows per second shown:\n{distinct[-4000:]}"
    # The screen ends with the usual summary; the progress line is gone.
    screen = final_screen(drawn)
    summary_at = next(i for i, line in enumerate(screen) if line.startswith("fingertip: built"))
    assert not progress_lines(screen), screen
    assert screen[summary_at + 1].split() == [
        "source",
        "files",
        "read",
        "loaded",
        "duplicate",
        "quarantined",
        "rejected",
        "files",
    ]
    assert screen[-1].startswith("  lake: "), screen[-5:]


def test_run_piped_prints_the_summary_only(handmade_build):
    """conftest's hand-made build ran `fingertip run` with stdout to a pipe: no progress codes or lines in it."""
    printed = (handmade_build / "run_output.txt").read_text()
    assert printed.startswith("fingertip: built"), printed[:500]
    for mark in PROGRESS_MARKS:
        assert mark not in printed, f"{mark!r} in piped output:\n{printed[:2000]}"
    assert printed.rstrip("\n").splitlines()[-1].startswith("  lake: ")


def test_a_pipe_gets_the_quiet_tracker_and_the_readers_report_to_the_active_one(tmp_path):
    """Outside a terminal `track` hands out the no-op tracker; inside one, read_text_frame counts files and rows."""
    from sources.landing import read_text_frame

    with (tmp_path / "out.txt").open("w") as not_a_terminal, progress.track("test", stream=not_a_terminal) as tracker:
        assert tracker is progress.QUIET and progress.current() is progress.QUIET
    assert (tmp_path / "out.txt").read_text() == ""

    main_fd, child_fd = pty.openpty()
    try:
        with os.fdopen(child_fd, "w", closefd=False) as terminal, progress.track("test", stream=terminal) as tracker:
            assert isinstance(tracker, progress.TerminalTracker) and progress.current() is tracker
            csv = tmp_path / "three.csv"
            csv.write_text("a,b\n1,2\n3,4\n5,6\n")
            read_text_frame(csv)
            assert (tracker.files, tracker.rows) == (1, 3)
            assert tracker.rows_per_second() > 0
        assert progress.current() is progress.QUIET
    finally:
        os.close(main_fd)
        os.close(child_fd)


def test_demo_data_on_a_terminal_shows_the_folders_written_and_piped_prints_its_summary_only(tmp_path):
    """demo-data reports each file the generator writes; its folder under --out is the stage."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINGERTIP_")}
    env["TERM"] = "xterm-256color"
    args = ["demo-data", "--cadres", "60", "--days", "35", "--seed", "5"]
    code, drawn = run_in_terminal([FINGERTIP, *args, "--out", str(tmp_path / "terminal")], env)
    shown = frames(drawn)
    assert code == 0, "\n".join(shown[-40:])
    lines = [line.lstrip(SPINNER + " ") for line in shown if line.lstrip(SPINNER + " ").startswith("fingertip demo-data:")]
    distinct = "\n".join(dict.fromkeys(re.sub(r"\s+", " ", line) for line in lines))
    # A small demo is written in a second or two: a redraw (4 a second) may fall between two folders.
    assert "fingertip demo-data: simulating " in distinct, distinct[-4000:]
    shown_sources = [source for source in EVENT_SOURCES if f"fingertip demo-data: {source} " in distinct]
    assert shown_sources, f"no source folder shown as a stage:\n{distinct[-4000:]}"
    assert re.search(r"[\d,]+ rows/s", distinct), distinct[-4000:]
    written = max(int(n) for n in re.findall(r"files written (\d+)", distinct))
    assert 0 < written <= sum(1 for path in (tmp_path / "terminal").rglob("*") if path.is_file())
    screen = final_screen(drawn)
    assert screen[0].startswith("wrote demo landing data to") and screen[-1].startswith("  truth: "), screen
    assert not any("fingertip demo-data:" in line for line in screen), screen

    piped = subprocess.run(
        [FINGERTIP, *args, "--out", str(tmp_path / "piped")], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith("wrote demo landing data to") and piped.stderr == ""
    for mark in (*PROGRESS_MARKS, "files written", "fingertip demo-data:"):
        assert mark not in piped.stdout, f"{mark!r} in piped output:\n{piped.stdout[:2000]}"
