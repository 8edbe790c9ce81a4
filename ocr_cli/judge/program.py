"""A program built once and run many times in the sandbox.

This is the seam every caller that runs untrusted code goes through: the judge's test cases
(`Judge.run`), stress testing (thousands of generator, brute and solution runs), interactors and
`ocr test -c CMD`. A `Program` owns a private folder holding the built artefact and one sandbox
session, started on the first run and ended by `close()`: each `execute` then costs about what a
plain process start does. Input reaches the program as a descriptor of an unlinked file; output goes
to an unlinked spool file, compared from there in chunks (`judge`) or read back (`execute`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from ocr_cli.errors import JudgeError
from ocr_cli.judge.checkers import CheckerError
from ocr_cli.judge.sandbox import Bind, Limits, RunOutcome, Sandbox, Session, anonymous_file, expose
from ocr_cli.judge.types import CaseResult, JudgeOptions, JudgeReport, Verdict
from ocr_cli.judge.verdicts import KEEP_CHARS, classify, failure_verdict
from ocr_cli.problem.types import TestCase

#: How a clean run's output is judged against a test: (test, stdout) -> (ok, message).
Compare = Callable[[TestCase, bytes], tuple[bool, str]]
#: The same, reading stdout from its file (positioned at the start) instead of memory.
CompareStream = Callable[[TestCase, BinaryIO], tuple[bool, str]]


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
    program cannot be executed. `binds` are (host folder, folder inside) pairs shown read-only.
    """

    def __init__(self, sandbox: Sandbox, options: JudgeOptions, root: Path, argv: list[str] | None,
                 limits: Limits, *, binds: tuple[tuple[str, str], ...] = (), drop_root: bool = True,
                 build_error: str = "", compare: Compare | None = None,
                 compare_stream: CompareStream | None = None) -> None:
        self.sandbox = sandbox
        self.options = options
        self.limits = limits
        self.build_error = build_error
        self._root = root
        self._argv = argv
        self._binds = binds
        self._drop_root = drop_root
        self._compare = compare
        self._compare_stream = compare_stream
        self._lock = threading.Lock()
        self._session: Session | None = None
        self._inside_argv: list[str] = []
        self._closed = False

    @property
    def ok(self) -> bool:
        return self._argv is not None

    def _ready_session(self) -> tuple[Session, list[str]]:
        """The program's sandbox, started on first use (once, whatever the number of threads)."""
        with self._lock:
            if self._closed:
                raise JudgeError("the program was closed")
            if self._session is None:
                assert self._argv is not None
                shown = tuple(source for source, _ in self._binds)
                extra: tuple[Bind, ...] = ()
                inside = self._argv
                if self.sandbox.info.namespaces:
                    extra, inside = expose(self._argv, shown)
                binds = (*extra, *(Bind(source, target) for source, target in self._binds))
                self._session = self.sandbox.session(binds, drop_root=self._drop_root)
                self._inside_argv = list(inside)
            return self._session, self._inside_argv

    def execute(self, stdin: str | bytes = b"", *, args: Sequence[str] = (),
                cancel: threading.Event | None = None, limits: Limits | None = None,
                read_cap: int | None = None, stdin_fd: int | None = None,
                stdout_fd: int | None = None) -> Execution:
        """Run the program once on `stdin` (or the descriptor `stdin_fd`) with extra `args`.

        stdout comes back whole in `Execution.stdout` (it cannot pass the output limit), or its first
        `read_cap` bytes, or goes to `stdout_fd` (e.g. a pipe to an interactor). Safe from several threads.
        """
        limits = limits or self.limits
        outcome = self._run(stdin, args, cancel, limits, stdin_fd, stdout_fd,
                            read_cap if read_cap is not None else limits.output_bytes + 1)
        return Execution(outcome, limits, self.options)

    def _run(self, stdin: str | bytes, args: Sequence[str], cancel: threading.Event | None, limits: Limits,
             stdin_fd: int | None, stdout_fd: int | None, read_cap: int | None) -> RunOutcome:
        if self._argv is None:
            raise JudgeError("the program did not build", hint=self.build_error.splitlines()[0]
                             if self.build_error else None)
        session, argv = self._ready_session()
        with contextlib.ExitStack() as stack:
            if stdin_fd is None:
                data = stdin.encode() if isinstance(stdin, str) else stdin
                handle = stack.enter_context(anonymous_file())  # no name: nothing else can reach it
                handle.write(data)
                handle.seek(0)
                stdin_fd = handle.fileno()
            return session.run([*argv, *args], limits, stdin_fd=stdin_fd, stdout_fd=stdout_fd,
                               read_cap=read_cap, cancel=cancel)

    def judge(self, test: TestCase, *, cancel: threading.Event | None = None) -> CaseResult | None:
        """Run the program on `test` and give its verdict; None when `cancel` stopped it."""
        if self._compare is None and self._compare_stream is None:
            raise JudgeError("this program has no comparison to judge with")
        with anonymous_file() as spool:
            try:
                outcome = self._run(test.input, (), cancel, self.limits, None, spool.fileno(), None)
            except (OSError, JudgeError) as exc:  # the machine, not the solution: one IE case, not a crash
                return CaseResult(test.name, Verdict.IE, message=f"the judge failed: {exc}", input=test.input,
                                  expected=test.output)
            if outcome.error == "cancelled":
                return None
            head = os.pread(spool.fileno(), KEEP_CHARS * 4, 0)
            outcome = _with_stdout(outcome, head, os.fstat(spool.fileno()).st_size)

            def compare(case: TestCase, _head: bytes) -> tuple[bool, str]:
                spool.seek(0)
                if self._compare_stream is not None:
                    return self._compare_stream(case, spool)
                assert self._compare is not None
                return self._compare(case, spool.read())

            try:
                return classify(test, outcome, self.limits, self.options, compare)
            except CheckerError as exc:
                return CaseResult(test.name, Verdict.IE, outcome.cpu_s, outcome.wall_s, outcome.maxrss_mb,
                                  str(exc), test.input, test.output,
                                  outcome.stdout.decode(errors="replace")[:KEEP_CHARS])

    def close(self) -> None:
        """End the program's sandbox (every process in it) and remove its folder."""
        with self._lock:
            self._closed = True
            session, self._session = self._session, None
        if session is not None:
            session.close()
        shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> Program:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def _with_stdout(outcome: RunOutcome, head: bytes, size: int) -> RunOutcome:
    from dataclasses import replace

    return replace(outcome, stdout=head, stdout_size=size)


def program_root() -> Path:
    """A fresh private folder for one program (0711: the sandboxed user may pass, not list)."""
    root = Path(tempfile.mkdtemp(prefix="ocr-judge-"))
    root.chmod(0o711)
    return root


def build_failure_report(program: Program, tests: Sequence[TestCase],
                         on_case: Callable[[CaseResult], None] | None = None) -> JudgeReport:
    """The report of a program that did not build: every test a CE, the compiler's complaint kept."""
    cases = tuple(CaseResult(t.name, Verdict.CE, message="compilation failed", input=t.input,
                             expected=t.output) for t in tests)
    for case in cases:
        if on_case is not None:
            on_case(case)
    return JudgeReport(Verdict.CE, cases, program.build_error, program.sandbox.info.level)
