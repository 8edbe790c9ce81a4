"""External checkers, for problems with more than one right answer.

Styles (the checker is the user's own program: trusted, run outside the sandbox, with a timeout):
- testlib: `CMD input output answer`; exit code 0 = AC, 3 (testlib's FAIL: the checker itself failed)
  or a signal = IE, any other WA (its message is kept).
- judgels: `CMD input answer output`; prints AC or WA on its first line of stdout.
- kattis: `CMD input answer feedback_dir < output`; exit code 42 = AC, 43 = WA.
"""

from __future__ import annotations

import io
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, BinaryIO

from ocr_cli.errors import ConfigError, JudgeError
from ocr_cli.judge.compare import CompareResult

STYLES = ("testlib", "judgels", "kattis")
CHECKER_TIMEOUT_S = 30.0
KATTIS_AC, KATTIS_WA = 42, 43
TESTLIB_FAIL = 3


class CheckerError(JudgeError):
    """The checker crashed, timed out or answered something it should not."""


class Checker:
    """Runs a checker command line in one of the supported styles."""

    def __init__(self, command: str, style: str = "testlib", *, python: str | None = None) -> None:
        if style not in STYLES:
            raise ConfigError(f"unknown checker style {style!r} (choose {', '.join(STYLES)})")
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise ConfigError(f"the checker command cannot be split: {exc}") from None
        if not argv:
            raise ConfigError("the checker command is empty")
        self.style = style
        # Relative paths in the command (`python3 checker.py`) mean what they meant where ocr was run.
        self.cwd = Path.cwd()
        self.argv = _runnable(argv, self.cwd, python or sys.executable)

    def check(self, input_text: str, output: bytes, answer: str) -> CompareResult:
        """Judge `output` of a solution on `input_text` with the expected `answer`."""
        return self.check_stream(input_text, io.BytesIO(output), answer)

    def check_stream(self, input_text: str, output: BinaryIO, answer: str) -> CompareResult:
        """`check`, with the output read from a binary file (copied in chunks, never held whole)."""
        with tempfile.TemporaryDirectory(prefix="ocr-check-") as tmp:
            folder = Path(tmp)
            inp, out, ans = folder / "input", folder / "output", folder / "answer"
            inp.write_text(input_text, encoding="utf-8")
            with out.open("wb") as handle:
                shutil.copyfileobj(output, handle, 1 << 20)
            ans.write_text(answer, encoding="utf-8")
            if self.style == "testlib":
                done = self._run([str(inp), str(out), str(ans)], None)
                message = _text(done.stderr) or _text(done.stdout)
                if done.returncode == TESTLIB_FAIL or done.returncode < 0:
                    how = "reported FAIL (exit 3)" if done.returncode == TESTLIB_FAIL else \
                        f"was killed by signal {-done.returncode}"
                    raise CheckerError(f"the checker {how}: {message[:200]}")
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


def _runnable(argv: list[str], cwd: Path, python: str) -> list[str]:
    """The checker's argv, with a `.py` script run by `python`; CheckerError when it cannot run."""
    program = argv[0]
    if "/" in program or program.endswith(".py"):
        path = Path(program) if Path(program).is_absolute() else cwd / program
        if not path.is_file():
            raise CheckerError(f"checker {program!r} not found")
        if path.suffix == ".py":
            return [python, str(path), *argv[1:]]
        if not os.access(path, os.X_OK):
            raise CheckerError(f"checker {program!r} is not executable", hint=f"chmod +x {program}")
        return [str(path), *argv[1:]]
    found = shutil.which(program)
    if found is None:
        raise CheckerError(f"checker command {program!r} not found", hint="check --checker")
    return [found, *argv[1:]]


def _text(data: bytes) -> str:
    return data.decode(errors="replace").strip()[:500]
