"""External checkers, for problems with more than one right answer.

Styles (the checker is the user's own program: trusted, run outside the sandbox, with a timeout):
- testlib: `CMD input output answer`; exit code 0 = AC, anything else WA (its message is kept).
- judgels: `CMD input answer output`; prints AC or WA on its first line of stdout.
- kattis: `CMD input answer feedback_dir < output`; exit code 42 = AC, 43 = WA.
"""

from __future__ import annotations

import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import IO

from ocr_cli.errors import ConfigError, JudgeError
from ocr_cli.judge.compare import CompareResult

STYLES = ("testlib", "judgels", "kattis")
CHECKER_TIMEOUT_S = 30.0
KATTIS_AC, KATTIS_WA = 42, 43


class CheckerError(JudgeError):
    """The checker crashed, timed out or answered something it should not."""


class Checker:
    """Runs a checker command line in one of the supported styles."""

    def __init__(self, command: str, style: str = "testlib") -> None:
        if style not in STYLES:
            raise ConfigError(f"unknown checker style {style!r} (choose {', '.join(STYLES)})")
        self.argv = shlex.split(command)
        if not self.argv:
            raise ConfigError("the checker command is empty")
        self.style = style
        # Relative paths in the command (`python3 checker.py`) mean what they meant where ocr was run.
        self.cwd = Path.cwd()

    def check(self, input_text: str, output: bytes, answer: str) -> CompareResult:
        """Judge `output` of a solution on `input_text` with the expected `answer`."""
        with tempfile.TemporaryDirectory(prefix="ocr-check-") as tmp:
            folder = Path(tmp)
            inp, out, ans = folder / "input", folder / "output", folder / "answer"
            inp.write_text(input_text, encoding="utf-8")
            out.write_bytes(output)
            ans.write_text(answer, encoding="utf-8")
            if self.style == "testlib":
                done = self._run([str(inp), str(out), str(ans)], None)
                message = _text(done.stderr) or _text(done.stdout)
                return CompareResult(done.returncode == 0, message)
            if self.style == "judgels":
                done = self._run([str(inp), str(ans), str(out)], None)
                first, _, rest = _text(done.stdout).partition("\n")
                word = first.strip().upper()
                if word not in ("AC", "WA"):
                    raise CheckerError(f"judgels checker printed {first.strip()!r}, not AC or WA")
                return CompareResult(word == "AC", rest.strip() or _text(done.stderr))
            feedback = folder / "feedback"
            feedback.mkdir()
            with out.open("rb") as stdin:
                done = self._run([str(inp), str(ans), str(feedback)], stdin)
            judge_message = feedback / "judgemessage.txt"
            message = judge_message.read_text(errors="replace").strip() if judge_message.exists() else ""
            if done.returncode not in (KATTIS_AC, KATTIS_WA):
                raise CheckerError(f"kattis checker exited with {done.returncode} (42 = AC, 43 = WA): "
                                   f"{_text(done.stderr)[:200]}")
            return CompareResult(done.returncode == KATTIS_AC, message or _text(done.stderr))

    def _run(self, args: list[str], stdin: IO[bytes] | None) -> subprocess.CompletedProcess[bytes]:
        try:
            source = stdin if stdin is not None else subprocess.DEVNULL
            return subprocess.run([*self.argv, *args], stdin=source, capture_output=True,
                                  timeout=CHECKER_TIMEOUT_S, cwd=self.cwd)
        except subprocess.TimeoutExpired:
            raise CheckerError(f"checker took more than {CHECKER_TIMEOUT_S:g} s") from None
        except OSError as exc:
            raise CheckerError(f"cannot run checker {self.argv[0]!r}: {exc}") from exc


def _text(data: bytes) -> str:
    return data.decode(errors="replace").strip()[:500]
