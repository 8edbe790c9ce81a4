"""The judge: build a solution once, run it on every test in the sandbox, give verdicts."""

from __future__ import annotations

import io
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import BinaryIO

from ocr_cli.errors import JudgeError
from ocr_cli.judge.checkers import Checker
from ocr_cli.judge.compare import looser_note_stream, stream_comparator_for
from ocr_cli.judge.languages import (
    build,
    python_interpreter,
    reachable_by_others,
    run_command,
)
from ocr_cli.judge.program import Program, build_failure_report, program_root
from ocr_cli.judge.sandbox import Limits, Sandbox, require_isolation, system_binds
from ocr_cli.judge.types import CaseResult, Comparison, JudgeOptions, JudgeReport, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

#: Address space a Python interpreter needs on top of the solution's own data.
PYTHON_AS_SLACK_MB = 64
CPP_AS_SLACK_MB = 16
MAX_STACK_MB = 256


def default_jobs() -> int:
    """Parallel cases suited to the machine: one per core, at most 4."""
    return max(1, min(os.cpu_count() or 1, 4))


class Judge:
    """Runs solutions against tests with the options given (see `JudgeOptions`)."""

    def __init__(self, options: JudgeOptions | None = None) -> None:
        self.options = options or JudgeOptions()
        self._sandbox: Sandbox | None = None
        # A checker that cannot run is one error now, not an IE on every case.
        self._checker = (Checker(self.options.checker, self.options.checker_style,
                                 python=str(python_interpreter(self.options).executable))
                         if self.options.comparison is Comparison.CHECKER and self.options.checker else None)

    @property
    def isolation(self) -> str:
        """The sandbox level in use: "namespaces" or "rlimits"."""
        return self.sandbox.info.level

    @property
    def sandbox(self) -> Sandbox:
        """The sandbox (JudgeError when `sandbox = "strict"` and namespaces are unavailable)."""
        if self._sandbox is None:
            self._sandbox = Sandbox(require_isolation(self.options.sandbox))
        return self._sandbox

    def limits_for(self, language: Language) -> Limits:
        """The limits each case of a solution in `language` runs under."""
        opts = self.options
        slack = PYTHON_AS_SLACK_MB if language is Language.PYTHON else CPP_AS_SLACK_MB
        wall = opts.wall_time_limit_s if opts.wall_time_limit_s is not None else opts.time_limit_s * 2 + 1
        return Limits(cpu_s=opts.time_limit_s, wall_s=wall,
                      address_space_mb=opts.memory_limit_mb + slack,
                      output_bytes=opts.output_limit_mb << 20,
                      stack_mb=min(opts.memory_limit_mb, MAX_STACK_MB))

    def program(self, source: str, language: Language) -> Program:
        """Build `source` once; the `Program` runs it in the sandbox as often as needed.

        A failed build gives a program whose `build_error` holds the compiler's complaint.
        """
        sandbox = self.sandbox
        root = program_root()
        try:
            prog = root / "prog"
            prog.mkdir(mode=0o755)
            prog.chmod(0o755)
            built = build(source, language, self.options, prog, sandbox)
            limits = self.limits_for(language)
            if built.artifact is None:
                return Program(sandbox, self.options, root, None, limits, build_error=built.error,
                               compare=self._compare, compare_stream=self._compare_stream)
            argv, binds, drop_root = self._command(language, built.artifact)
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return Program(sandbox, self.options, root, argv, limits, binds=binds, drop_root=drop_root,
                       compare=self._compare, compare_stream=self._compare_stream)

    def command(self, argv: Sequence[str], *, binds: tuple[tuple[str, str], ...] = ()) -> Program:
        """A program that is a command line (any language, e.g. `java Main`), run in the sandbox.

        `binds` maps host folders the command needs (read-only) to paths inside the sandbox; absolute
        paths in `argv` (a script, a jar) are shown read-only at their place without it.
        """
        if not argv:
            raise JudgeError("empty command")
        found = shutil.which(argv[0])
        if argv[0] in ("python", "python3"):  # the judge's interpreter, not a wrapper (pyenv shims) outside
            found = str(python_interpreter(self.options).executable)
        if found is None:
            raise JudgeError(f"command {argv[0]!r} not found", hint="check the command's spelling and PATH")
        limits = self.limits_for(Language.PYTHON)  # the larger slack suits interpreters and VMs
        return Program(self.sandbox, self.options, program_root(), [found, *argv[1:]], limits, binds=binds,
                       compare=self._compare, compare_stream=self._compare_stream)

    def run(self, source: str, language: Language, tests: Sequence[TestCase], *,
            on_case: Callable[[CaseResult], None] | None = None, stop_after_failure: bool = False,
            cancel: threading.Event | None = None) -> JudgeReport:
        """Build `source` and judge it on `tests`; cases come back in the order of `tests`.

        With `stop_after_failure` (or a `cancel`), cases not started are left out of the report.
        """
        with self.program(source, language) as program:
            return self.run_program(program, tests, on_case=on_case, stop_after_failure=stop_after_failure,
                                    cancel=cancel)

    def run_program(self, program: Program, tests: Sequence[TestCase], *,
                    on_case: Callable[[CaseResult], None] | None = None, stop_after_failure: bool = False,
                    cancel: threading.Event | None = None) -> JudgeReport:
        """Judge an already built `program` on `tests` (see `run`)."""
        isolation = program.sandbox.info.level
        if not program.ok:
            return build_failure_report(program, tests, on_case)
        if self.options.interactor is not None:
            from ocr_cli.judge.interactive import Interactor, run_interactive

            with Interactor(self.options.interactor, self, self.options.interactor_style) as interactor:
                return run_interactive(program, interactor, tests, on_case=on_case,
                                       stop_after_failure=stop_after_failure, cancel=cancel)

        def one(index: int, test: TestCase) -> CaseResult | None:
            return program.judge(test, cancel=cancel)

        results = self._run_all(tests, one, on_case, stop_after_failure, cancel)
        verdict = max((case.verdict for case in results), key=lambda v: v.priority, default=Verdict.AC)
        return JudgeReport(verdict, tuple(results), "", isolation)

    def _command(self, language: Language,
                 artifact: Path) -> tuple[list[str], tuple[tuple[str, str], ...], bool]:
        """The argv, read-only binds (host, inside) and whether to drop root for a built program."""
        if language is not Language.PYTHON:
            return run_command(language, artifact, None), (), True
        interpreter = python_interpreter(self.options)
        argv = run_command(language, artifact, interpreter)
        if self.sandbox.info.namespaces:
            # The interpreter's installation is shown at its own path (the system's and ocr's are already).
            shown = {bind.source for bind in system_binds()}
            prefix = str(interpreter.prefix)
            needed = not any(prefix == p or prefix.startswith(p.rstrip("/") + "/") for p in shown)
            return argv, ((prefix, prefix),) if needed else (), True
        if self.sandbox.info.run_as is None or reachable_by_others(interpreter.executable):
            return argv, (), True
        return argv, (), False  # rlimits as root, interpreter out of nobody's reach: see docs/security.md

    def _compare(self, test: TestCase, output: bytes) -> tuple[bool, str]:
        return self._compare_stream(test, io.BytesIO(output))

    def _compare_stream(self, test: TestCase, output: BinaryIO) -> tuple[bool, str]:
        if self._checker is not None:
            checked = self._checker.check_stream(test.input, output, test.output)
            return checked.ok, checked.message
        result = stream_comparator_for(self.options)(output, test.output)
        if result.ok:
            return True, ""
        note = looser_note_stream(output, test.output, self.options.comparison)
        return False, f"{result.message}; {note}" if note else result.message

    def _run_all(self, tests: Sequence[TestCase], one: Callable[[int, TestCase], CaseResult | None],
                 on_case: Callable[[CaseResult], None] | None, stop_after_failure: bool,
                 cancel: threading.Event | None) -> list[CaseResult]:
        jobs = max(1, self.options.jobs or default_jobs())
        results: dict[int, CaseResult] = {}
        pending = list(enumerate(tests))
        pending.reverse()
        stop = False
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="ocr-judge") as pool:
            running: dict[Future[CaseResult | None], int] = {}
            while pending or running:
                while pending and not stop and len(running) < jobs and not (cancel and cancel.is_set()):
                    index, test = pending.pop()
                    running[pool.submit(one, index, test)] = index
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    index = running.pop(future)
                    case = future.result()
                    if case is None:
                        continue
                    results[index] = case
                    if on_case is not None:
                        on_case(case)
                    if stop_after_failure and not case.passed:
                        stop = True
        return [results[index] for index in sorted(results)]
