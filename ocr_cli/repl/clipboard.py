"""Copy text to the clipboard without a clipboard library.

Tried in order: `wl-copy` (Wayland), `xclip` / `xsel` (X11), `pbcopy` (macOS), `clip.exe` (Windows,
WSL); failing those, the OSC 52 escape sequence, which most modern terminals (and tmux with
`set-clipboard on`) turn into a clipboard write, also over SSH.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from typing import TextIO

# (program and arguments, environment variable that must be set for it to work, or None)
_PROGRAMS: tuple[tuple[tuple[str, ...], str | None], ...] = (
    (("wl-copy",), "WAYLAND_DISPLAY"),
    (("xclip", "-selection", "clipboard"), "DISPLAY"),
    (("xsel", "--clipboard", "--input"), "DISPLAY"),
    (("pbcopy",), None),
    (("clip.exe",), None),
)


def osc52_sequence(text: str) -> str:
    """The OSC 52 escape that asks the terminal to put `text` on the clipboard."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    sequence = f"\x1b]52;c;{payload}\x07"
    if os.environ.get("TMUX"):
        # tmux passes escapes through to the outer terminal when wrapped like this
        sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence


def copy_to_clipboard(text: str, terminal: TextIO | None = None) -> str | None:
    """Copy `text`; returns how ("wl-copy", "OSC 52 escape", ...) or None when nothing could."""
    for command, needs in _PROGRAMS:
        if needs is not None and not os.environ.get(needs):
            continue
        if shutil.which(command[0]) is None:
            continue
        try:
            subprocess.run(command, input=text.encode("utf-8"), check=True, timeout=5,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            continue
        return command[0]
    stream = terminal or sys.stdout
    if stream.isatty():
        stream.write(osc52_sequence(text))
        stream.flush()
        return "OSC 52 escape (if your terminal allows clipboard writes)"
    return None
