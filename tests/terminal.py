"""A real pseudo-terminal (pty) around a command: what it drew, and the screen it left.

Used by tests/test_progress.py, and by conftest's `demo_build`, which runs the
session's shared demo build on a terminal so that its progress line can be
checked without a build of its own.
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
from pathlib import Path

import forked_cli

REPO = Path(__file__).resolve().parent.parent

# A wide terminal, so that no column of the progress line is cut to an ellipsis.
TERMINAL_COLUMNS, TERMINAL_ROWS = 200, 50
# A build of the hand-made landing takes about a minute on two shared cores.
RUN_TIMEOUT_SECONDS = 900
READ_CHUNK = 65536
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_in_terminal(args: list[str], env: dict, forked: bool = False) -> tuple[int, str]:
    """Run a command with stdin, stdout and stderr on a new pty; everything it drew, and its exit code.
    `forked`: `args` are a `fingertip` command's, forked as tests/forked_cli.py does."""
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", TERMINAL_ROWS, TERMINAL_COLUMNS, 0, 0))
    if forked:  # it opens the terminal by its name: kept open here until it ends, or reads fail before it starts
        process = forked_cli.start(args, env, REPO, os.ttyname(child_fd))
    else:
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
    if forked:
        os.close(child_fd)
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
