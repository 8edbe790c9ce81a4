"""Drive a program through a real pseudo-terminal (stdlib only: os.openpty + subprocess)."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][A-Za-z0-9]|\x1b[=>]")


class PtyProcess:
    """A child whose stdin, stdout and stderr are one pty; `expect` waits for text on the screen."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], cwd: str | None = None,
                 rows: int = 40, cols: int = 120) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.process = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=slave, env=dict(env),
                                        cwd=cwd, start_new_session=True,
                                        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.master = master
        self.raw = ""  # everything read, escape sequences included
        self._seen = 0  # how much of the plain text `expect` has consumed

    @property
    def text(self) -> str:
        """What was printed so far, without escape sequences."""
        return ANSI.sub("", self.raw).replace("\r", "")

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the child closed the pty
            return False
        if not data:
            return False
        self.raw += data.decode("utf-8", errors="replace")
        return True

    def expect(self, pattern: str, timeout: float = 120.0) -> str:
        """Wait until `pattern` (a regex) appears after what was matched before; return the match.
        The bound is generous: on a busy machine a Python start or a judge run can take many seconds,
        and a match returns as soon as the text is there."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            found = regex.search(self.text, self._seen)
            if found:
                self._seen = found.end()
                return found.group(0)
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} did not appear; the screen shows:\n{self.text[-3000:]}")
            alive = self._read(min(0.2, max(0.0, deadline - time.monotonic())))
            if not alive and not regex.search(self.text, self._seen):
                raise AssertionError(f"the program ended before {pattern!r}:\n{self.text[-3000:]}")

    def wait(self, timeout: float = 120.0) -> int:
        """Read until the child exits; its exit code."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        while select.select([self.master], [], [], 0)[0] and self._read(0):
            pass  # what it printed last
        return self.process.wait(timeout=max(0.1, deadline - time.monotonic()))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)
