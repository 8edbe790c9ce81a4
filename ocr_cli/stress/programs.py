"""The judge's sandboxed `Program`s as stress testing uses them: a brute force or generator whose
output is trusted (or reported broken), and the solution judged like `ocr test` judges it."""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from ocr_cli.errors import ConfigError
from ocr_cli.judge.program import Execution, Program
from ocr_cli.judge.types import CaseResult
from ocr_cli.problem.types import TestCase
from ocr_cli.stress.types import ToolRun

_PLACEHOLDERS = ("{seed}", "{size}")
STDERR_LINES = 1


def describe_failure(execution: Execution) -> str:
    """"" for a clean run that printed something; else what went wrong, with stderr's last lines."""
    if execution.cancelled:
        return "cancelled"
    failure = execution.failure()
    if failure is not None:
        verdict, message = failure
        tail = execution.stderr.decode(errors="replace").strip().splitlines()[-STDERR_LINES:]
        what = {"RE": "crashed", "TLE": "timed out", "MLE": "ran out of memory",
                "OLE": "printed too much", "IE": "could not be run"}.get(verdict.value, verdict.value)
        if message:
            return f"{what} ({message})"
        return what + (": " + " | ".join(tail) if tail else "")
    if not execution.stdout.strip():
        return "printed nothing"
    return ""


class ProgramTool:
    """A trusted program (brute force or generator): its output, or why there is none."""

    def __init__(self, program: Program, cancel: threading.Event | None = None) -> None:
        self.program = program
        self.cancel = cancel

    def run(self, stdin: str, args: Sequence[str] = ()) -> ToolRun:
        execution = self.program.execute(stdin, args=args, cancel=self.cancel)
        return ToolRun(execution.text(), describe_failure(execution))


class ProgramSubject(ProgramTool):
    """The solution under test: judged with the judge's comparison (tokens, exact, float, checker)."""

    def judge(self, test: TestCase) -> CaseResult | None:
        return self.program.judge(test, cancel=self.cancel)


class SeedGenerator:
    """A generator program run as `GEN SEED` (testlib's convention); it takes no size."""

    sized = False

    def __init__(self, tool: ProgramTool) -> None:
        self.tool = tool

    def make(self, seed: int, size: int | None) -> ToolRun:
        return self.tool.run("", [str(seed)])


class TemplateGenerator:
    """A generator command line with `{seed}` (and maybe `{size}`) filled in per run: the words
    before the first placeholder are the program, the rest its arguments."""

    def __init__(self, words: Sequence[str], fixed: int, tool: ProgramTool) -> None:
        self.words = list(words)
        self.fixed = fixed
        self.tool = tool
        self.sized = any("{size}" in word for word in words)

    def arguments(self, seed: int, size: int | None) -> list[str]:
        return [word.replace("{seed}", str(seed)).replace("{size}", str(size if size is not None else ""))
                for word in self.words[self.fixed:]]

    def make(self, seed: int, size: int | None) -> ToolRun:
        return self.tool.run("", self.arguments(seed, size))


def is_template(text: str) -> bool:
    """Whether a --gen value is a command template rather than a file."""
    return "{seed}" in text


def split_template(text: str) -> tuple[list[str], int]:
    """The words of a command template and how many come before the first placeholder."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ConfigError(f"cannot split the --gen command: {exc}") from None
    if not words:
        raise ConfigError("the --gen command is empty")
    fixed = next(i for i, w in enumerate(words) if any(p in w for p in _PLACEHOLDERS))
    if fixed == 0:
        raise ConfigError("the --gen command must start with a program, not a placeholder")
    return words, fixed


class ReadableCopies:
    """Copies of the user's files a command names, in a folder the sandboxed user can read (the
    sandbox may run programs as `nobody`, who cannot enter a private home or pytest folder)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ocr-stress-files-"))
        self.folder.chmod(0o755)

    def rewrite(self, words: Sequence[str]) -> list[str]:
        """The words with every existing file replaced by the path of a readable copy."""
        out = []
        for index, word in enumerate(words):
            path = Path(word)
            if index > 0 and "{" not in word and path.is_file():
                target = self.folder / f"{index}-{path.name}"
                shutil.copyfile(path, target)
                target.chmod(0o755 if os.access(path, os.X_OK) else 0o644)
                out.append(str(target))
            else:
                out.append(word)
        return out

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> ReadableCopies:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
