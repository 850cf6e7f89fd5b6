"""`fingertip run` shows progress on a terminal (stage, files read, rows per second) and nothing extra when piped.

The terminal is a real pseudo-terminal (pty) around a real `fingertip run`
process: the session's demo build (conftest), which runs on one; the piped run
is the session's hand-made build (conftest), whose stdout was captured through a pipe.
"""

from __future__ import annotations

import os
import pty
import re

from conftest import FINGERTIP
from terminal import final_screen, frames, run_in_terminal

from sources import progress
from sources.contract import EVENT_SOURCES, REFERENCE_SOURCE

PROGRESS_MARKS = ("rows/s", "files read", "fingertip run:", "\x1b[", "\r")
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"  # rich's default "dots" spinner
# What `fingertip run` reads from a landing folder (not _truth/, the demo's answers).
READ_FOLDERS = {REFERENCE_SOURCE, *EVENT_SOURCES}


def progress_lines(shown: list[str]) -> list[str]:
    return [line.lstrip(SPINNER + " ") for line in shown if line.lstrip(SPINNER + " ").startswith("fingertip run:")]


def test_run_on_a_terminal_shows_stages_files_and_rows_per_second(demo_build):
    """The demo landing (hundreds of files), built by the session's `demo_build` with a terminal for output."""
    landing, warehouse = demo_build
    drawn = (warehouse.parent / "run_on_terminal.txt").read_bytes().decode()
    shown = frames(drawn)  # the fixture checked that it exited 0
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


def test_demo_data_on_a_terminal_shows_the_folders_written_and_piped_prints_its_summary_only(demo_build, tmp_path):
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

    # Piped: the session's demo landing was written by `demo-data` with its output to a pipe (conftest).
    _, warehouse = demo_build
    piped_out = (warehouse.parent / "demo_data_output.txt").read_text()
    piped_err = (warehouse.parent / "demo_data_errors.txt").read_text()
    assert piped_out.startswith("wrote demo landing data to") and piped_err == ""
    for mark in (*PROGRESS_MARKS, "files written", "fingertip demo-data:"):
        assert mark not in piped_out, f"{mark!r} in piped output:\n{piped_out[:2000]}"
