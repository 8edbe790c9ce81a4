"""A program built once and run many times in the sandbox.

This is the seam every caller that runs untrusted code goes through: the judge's test cases
(`Judge.run`), stress testing (thousands of generator, brute and solution runs), interactors and
`ocr test -c CMD`. A `Program` owns a private folder holding the built artefact; each `execute` gets a
fresh box, its own input file in a folder the program cannot read, and the limits of the program.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from ocr_cli.errors import JudgeError
from ocr_cli.judge.checkers import CheckerError
from ocr_cli.judge.sandbox import Limits, RunOutcome, Sandbox
from ocr_cli.judge.types import CaseResult, JudgeOptions, Verdict
from ocr_cli.judge.verdicts import classify, failure_verdict
from ocr_cli.problem.types import TestCase

#: How a clean run's output is judged against a test: (test, stdout) -> (ok, message).
Compare = Callable[[TestCase, bytes], tuple[bool, str]]


@dataclass(frozen=True)
class Execution:
    """One run of a program on one input."""

    outcome: RunOutcome
    limits: Limits
    options: JudgeOptions

    @property
    def stdout(self) -> bytes:
        return self.outcome.stdout

    @property
    def stderr(self) -> bytes:
        return self.outcome.stderr

    @property
    def cancelled(self) -> bool:
        return self.outcome.error == "cancelled"

    def failure(self) -> tuple[Verdict, str] | None:
        """The verdict of a run that did not end cleanly (TLE, MLE, OLE, RE, IE), or None."""
        return failure_verdict(self.outcome, self.limits, self.options,
                               self.outcome.stderr.decode(errors="replace"))

    @property
    def ok(self) -> bool:
        """Whether the program ended cleanly (exit 0, within every limit)."""
        return not self.cancelled and self.failure() is None

    def text(self) -> str:
        return self.outcome.stdout.decode(errors="replace")


class Program:
    """A runnable program in the sandbox; use as a context manager or call `close()`.

    `build_error` is the compiler's complaint when the build failed ("" when it is ready); such a
    program cannot be executed.
    """

    def __init__(self, sandbox: Sandbox, options: JudgeOptions, root: Path, argv: list[str] | None,
                 limits: Limits, *, binds: tuple[tuple[str, str], ...] = (), drop_root: bool = True,
                 build_error: str = "", compare: Compare | None = None) -> None:
        self.sandbox = sandbox
        self.options = options
        self.limits = limits
        self.build_error = build_error
        self._root = root
        self._argv = argv
        self._binds = binds
        self._drop_root = drop_root
        self._compare = compare
        self._count = 0
        self._lock = threading.Lock()

    @property
    def ok(self) -> bool:
        return self._argv is not None

    def _folder(self) -> Path:
        with self._lock:
            self._count += 1
            number = self._count
        folder = self._root / f"run-{number}"
        folder.mkdir(mode=0o711)
        folder.chmod(0o711)
        return folder

    def execute(self, stdin: str | bytes = b"", *, args: Sequence[str] = (),
                cancel: threading.Event | None = None, limits: Limits | None = None,
                read_cap: int = 1 << 20, stdin_fd: int | None = None,
                stdout_fd: int | None = None) -> Execution:
        """Run the program once on `stdin` (or the descriptor `stdin_fd`) with extra command-line `args`;
        stdout goes to `stdout_fd` when given (e.g. a pipe to an interactor). Safe from several threads."""
        if self._argv is None:
            raise JudgeError("the program did not build", hint=self.build_error.splitlines()[0]
                             if self.build_error else None)
        limits = limits or self.limits
        folder = self._folder()
        try:
            box = folder / "box"
            box.mkdir()
            box.chmod(0o777)
            private = Path(tempfile.mkdtemp(prefix="in-", dir=folder))
            stdin_path = private / "input"
            stdin_path.write_bytes(stdin.encode() if isinstance(stdin, str) else stdin)
            outcome = self.sandbox.run([*self._argv, *args], box, stdin_path, limits, binds=self._binds,
                                       drop_root=self._drop_root, cancel=cancel, read_cap=read_cap,
                                       stdin_fd=stdin_fd, stdout_fd=stdout_fd)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return Execution(outcome, limits, self.options)

    def judge(self, test: TestCase, *, cancel: threading.Event | None = None) -> CaseResult | None:
        """Run the program on `test` and give its verdict; None when `cancel` stopped it."""
        if self._compare is None:
            raise JudgeError("this program has no comparison to judge with")
        try:
            execution = self.execute(test.input, cancel=cancel)
        except (OSError, JudgeError) as exc:  # the machine, not the solution: one IE case, not a crash
            return CaseResult(test.name, Verdict.IE, message=f"the judge failed: {exc}", input=test.input,
                              expected=test.output)
        if execution.cancelled:
            return None
        try:
            return classify(test, execution.outcome, execution.limits, self.options, self._compare)
        except CheckerError as exc:
            outcome = execution.outcome
            return CaseResult(test.name, Verdict.IE, outcome.cpu_s, outcome.wall_s, outcome.maxrss_mb,
                              str(exc), test.input, test.output, outcome.stdout.decode(errors="replace"))

    def close(self) -> None:
        shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> Program:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def program_root() -> Path:
    """A fresh private folder for one program (0711: the sandboxed user may pass, not list)."""
    root = Path(tempfile.mkdtemp(prefix="ocr-judge-"))
    root.chmod(0o711)
    return root

