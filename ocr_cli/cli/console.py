"""Rich consoles for ocr's output: plain and stable when not on a terminal or with --quiet."""

from __future__ import annotations

import sys

from rich.console import Console


def make_console(quiet: bool = False, stderr: bool = False) -> Console:
    """A console for results (stdout) or messages (stderr).

    Off a terminal rich already drops colours and live displays; `quiet` forces the same plain
    output on a terminal too.
    """
    stream = sys.stderr if stderr else sys.stdout
    if quiet or not stream.isatty():
        return Console(file=stream, force_terminal=False, no_color=True, highlight=False,
                       emoji=False, soft_wrap=True, width=max(100, Console(file=stream).width))
    return Console(file=stream, stderr=stderr)


def error_line(message: str) -> None:
    """Print one `ocr: error: ...` line to stderr."""
    print(f"ocr: error: {message}", file=sys.stderr)
