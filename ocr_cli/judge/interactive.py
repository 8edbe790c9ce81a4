"""Interactive problems: the solution talks with an interactor through two pipes.

The interactor is started as `INTERACTOR INPUT OUTPUT` (testlib's order; OUTPUT is a file in its
working folder) or, in Kattis style, `VALIDATOR INPUT ANSWER FEEDBACK_DIR`; its stdin is the
solution's stdout and its stdout the solution's stdin. Verdicts, in this order:

1. both killed at the wall-clock deadline (waiting on each other) → TLE;
2. the interactor hung (killed while the solution had ended), crashed, or said FAIL → IE;
3. the interactor ended first and rejected the dialogue → its WA (the solution's EOF error or broken
   pipe that follows is a consequence, as on Codeforces when a query limit is passed);
4. the solution broke a limit or crashed → TLE, MLE, RE (as in batch judging);
5. the interactor's word: testlib exit 0 = AC, 1 = WA, 2 = PE (reported as WA); Kattis 42 = AC,
   43 = WA. Its message is its stderr (Kattis: `judgemessage.txt`, else stderr).

Each side's pipe ends are closed in ocr as soon as that side has ended, so the other side sees EOF
(or a broken pipe) instead of waiting for the deadline.

Both sides run in the sandbox: the solution like any solution, the interactor in a sandbox session
of its own that shows it the test's files (and a writable feedback folder for a Kattis validator);
testlib's OUTPUT file goes to its private working folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ocr_cli.errors import ConfigError, JudgeError
from ocr_cli.judge.languages import build, python_interpreter
from ocr_cli.judge.program import Execution, Program, build_failure_report
from ocr_cli.judge.sandbox import Bind, Limits, RunOutcome, expose
from ocr_cli.judge.types import CaseResult, JudgeReport, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

if TYPE_CHECKING:
    from ocr_cli.judge.runner import Judge

STYLES = ("testlib", "kattis")
#: Interactor files a problem folder may hold, in order of preference.
INTERACTOR_NAMES = ("interactor.py", "interactor.cpp")
TESTLIB_OK, TESTLIB_WA, TESTLIB_PE, TESTLIB_FAIL = 0, 1, 2, 3
KATTIS_AC, KATTIS_WA = 42, 43
#: Extra seconds the interactor may run after the solution's wall-clock limit.
INTERACTOR_GRACE_S = 2.0
_MESSAGE_CHARS = 500


def find_interactor(folder: Path) -> Path | None:
    """The interactor of a problem folder (`interactor.py` or `interactor.cpp`), if it has one."""
    return next((path for name in INTERACTOR_NAMES if (path := Path(folder) / name).is_file()), None)


@dataclass(frozen=True)
class InteractorRun:
    """What the interactor did on one test."""

    outcome: RunOutcome
    message: str  # its stderr, or Kattis' judgemessage.txt


class Interactor:
    """An interactor built once (a `.py`/`.cpp` file, or a command line) and run once per test, in a
    sandbox session of its own. Use as a context manager, or call `close()`.

    Its test files live in a folder shown inside at `DATA_INSIDE` (writable, for a Kattis validator's
    feedback); testlib's OUTPUT file goes to its private working folder.
    """

    DATA_INSIDE = "/run/ocr/interactor"

    def __init__(self, spec: str, judge: Judge, style: str = "testlib", *, cwd: Path | None = None) -> None:
        if style not in STYLES:
            raise ConfigError(f"unknown interactor style {style!r} (choose {', '.join(STYLES)})")
        self.style = style
        self._stack = contextlib.ExitStack()
        self._root = Path(tempfile.mkdtemp(prefix="ocr-interactor-"))
        self._root.chmod(0o711)  # the sandbox's user may pass to the test files, not list them
        self._data = self._root / "data"
        self._data.mkdir()
        self._data.chmod(0o777)
        self._count = 0
        self._lock = threading.Lock()
        try:
            argv, binds, drop_root = self._command(spec, judge, cwd or Path.cwd())
            info = judge.sandbox.info
            self._namespaces = info.namespaces
            if self._namespaces:
                shown, argv = expose(argv, tuple(source for source, _ in binds))
                all_binds = (*shown, *(Bind(source, target) for source, target in binds),
                             Bind(str(self._data), self.DATA_INSIDE, writable=True))
            else:
                all_binds = ()
            self.argv = argv
            self._session = self._stack.enter_context(judge.sandbox.session(all_binds, drop_root=drop_root))
        except BaseException:
            self.close()
            raise

    def _command(self, spec: str, judge: Judge,
                 cwd: Path) -> tuple[list[str], tuple[tuple[str, str], ...], bool]:
        """The interactor's argv, the binds it needs and whether it runs as the sandbox's user."""
        path = Path(spec).expanduser()
        path = path if path.is_absolute() else cwd / path
        if path.suffix in (".py", ".cpp", ".cc", ".cxx") and path.is_file():
            language = Language.PYTHON if path.suffix == ".py" else Language.CPP
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise JudgeError(f"cannot read the interactor: {exc}", path=path) from None
            prog = self._root / "prog"
            prog.mkdir(mode=0o755)
            prog.chmod(0o755)
            built = build(source, language, judge.options, prog, judge.sandbox)
            if built.artifact is None:
                first = built.error.splitlines()[0] if built.error else ""
                raise JudgeError(f"the interactor does not build: {first}", path=path)
            return judge._command(language, built.artifact)
        from ocr_cli.judge.user_command import prepare_command

        prepared = self._stack.enter_context(prepare_command(spec, judge.sandbox.info, cwd))
        argv = list(prepared.argv)
        if argv[0] in ("python", "python3"):  # the judge's interpreter, as for `ocr test -c`
            argv[0] = str(python_interpreter(judge.options).executable)
        found = shutil.which(argv[0])
        if found is None:
            raise JudgeError(f"interactor {argv[0]!r} not found",
                             hint="give a .py or .cpp file, or a command on PATH")
        return [found, *argv[1:]], prepared.binds, True

    def run(self, test: TestCase, limits: Limits, stdin_fd: int, stdout_fd: int,
            cancel: threading.Event | None) -> InteractorRun:
        """Run the interactor on `test`, talking through the given descriptors."""
        with self._lock:
            self._count += 1
            name = f"case-{self._count}"
        folder = self._data / name
        folder.mkdir()
        folder.chmod(0o755)
        inside = f"{self.DATA_INSIDE}/{name}" if self._namespaces else str(folder)
        try:
            for file, text in (("input", test.input), ("answer", test.output)):
                (folder / file).write_text(text, encoding="utf-8")
                (folder / file).chmod(0o644)
            if self.style == "testlib":
                # OUTPUT is a file in its own working folder: testlib writes it, nobody reads it here
                args = [f"{inside}/input", "output"]
            else:
                (folder / "feedback").mkdir()
                (folder / "feedback").chmod(0o777)
                args = [f"{inside}/input", f"{inside}/answer", f"{inside}/feedback"]
            outcome = self._session.run([*self.argv, *args], limits, stdin_fd=stdin_fd, stdout_fd=stdout_fd,
                                        cancel=cancel)
            message = outcome.stderr.decode(errors="replace").strip()
            if self.style == "kattis":
                with contextlib.suppress(OSError):
                    message = (folder / "feedback" / "judgemessage.txt").read_text(errors="replace").strip() \
                        or message
            return InteractorRun(outcome, message[:_MESSAGE_CHARS])
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        self._stack.close()
        shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> Interactor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _interactor_limits(solution: Limits) -> Limits:
    wall = solution.wall_s + INTERACTOR_GRACE_S
    return Limits(cpu_s=wall, wall_s=wall, address_space_mb=None, output_bytes=solution.output_bytes,
                  processes=solution.processes, open_files=solution.open_files)


def _broken_pipe(execution: Execution) -> bool:
    outcome = execution.outcome
    return outcome.signal == signal.SIGPIPE or b"BrokenPipeError" in outcome.stderr


def _interactor_word(run: InteractorRun, style: str) -> tuple[Verdict, str] | None:
    """The interactor's verdict from its exit code, or None when it did not end properly."""
    outcome = run.outcome
    if outcome.error is not None or outcome.timed_out or outcome.signal is not None:
        return None
    code = outcome.exit_code
    if style == "kattis":
        if code == KATTIS_AC:
            return Verdict.AC, run.message
        if code == KATTIS_WA:
            return Verdict.WA, run.message or "wrong answer"
        return None
    if code == TESTLIB_OK:
        return Verdict.AC, run.message
    if code == TESTLIB_WA:
        return Verdict.WA, run.message or "wrong answer"
    if code == TESTLIB_PE:
        return Verdict.WA, "presentation error" + (f": {run.message}" if run.message else "")
    return None


def _interactor_failure(run: InteractorRun, style: str) -> str:
    outcome = run.outcome
    detail = f": {run.message}" if run.message else ""
    if outcome.error is not None:
        return f"the interactor could not run: {outcome.error}"
    if outcome.timed_out:
        return f"the interactor hung (killed after {outcome.wall_s:.1f} s){detail}"
    if outcome.signal is not None:
        return f"the interactor crashed (signal {outcome.signal}){detail}"
    if style == "testlib" and outcome.exit_code == TESTLIB_FAIL:
        return f"the interactor failed (FAIL){detail}"
    expected = "42 = AC, 43 = WA" if style == "kattis" else "0 = AC, 1 = WA, 2 = PE, 3 = FAIL"
    return f"the interactor exited with {outcome.exit_code} ({expected}){detail}"


def decide(test: TestCase, solution: Execution, interactor: InteractorRun, style: str, *,
           interactor_first: bool = False) -> CaseResult:
    """The verdict of one interactive test from what both sides did (rules in the module docstring).

    `interactor_first`: the interactor ended before the solution (whose end of the dialogue, e.g. an
    EOF error, then follows from the interactor's decision).
    """
    outcome = solution.outcome
    stderr = outcome.stderr.decode(errors="replace")

    def result(verdict: Verdict, message: str) -> CaseResult:
        return CaseResult(test.name, verdict, round(outcome.cpu_s, 4), round(outcome.wall_s, 4),
                          round(outcome.maxrss_mb, 2), message, test.input, test.output, "",
                          stderr[:64 * 1024])

    if outcome.timed_out and interactor.outcome.timed_out:
        return result(Verdict.TLE, f"both sides were still running at the wall-clock limit of "
                                   f"{solution.limits.wall_s:g} s (each waiting for the other?)")
    word = _interactor_word(interactor, style)
    if word is None and not outcome.timed_out:
        return result(Verdict.IE, _interactor_failure(interactor, style))
    if word is not None and word[0] is not Verdict.AC and interactor_first:
        return result(*word)  # it decided first; what the solution did next follows from that
    failure = solution.failure()
    if failure is not None and not (word is not None and interactor_first and _broken_pipe(solution)):
        verdict, message = failure
        if outcome.timed_out:
            message += " (waiting for the interactor?)"
        return result(verdict, message)
    if word is None:  # pragma: no cover - the solution timed out, so failure() above was TLE
        return result(Verdict.IE, _interactor_failure(interactor, style))
    return result(*word)


def judge_interactive(program: Program, interactor: Interactor, test: TestCase, *,
                      cancel: threading.Event | None = None) -> CaseResult | None:
    """Run `program` against `interactor` on `test`; None when `cancel` stopped it."""
    if not program.ok:
        return CaseResult(test.name, Verdict.CE, message="compilation failed", input=test.input,
                          expected=test.output)
    to_interactor_r, to_interactor_w = os.pipe()
    to_solution_r, to_solution_w = os.pipe()
    ends = {to_interactor_r, to_interactor_w, to_solution_r, to_solution_w}
    lock = threading.Lock()

    def close(*fds: int) -> None:
        # Once one side has ended, our copies of its pipe ends go: the other side sees EOF (or EPIPE).
        with lock:
            for fd in fds:
                if fd in ends:
                    ends.discard(fd)
                    os.close(fd)

    results: dict[str, object] = {}
    ended: list[str] = []  # the order the sides ended in

    def side(name: str, run: Callable[[], object], after: Sequence[int]) -> None:
        try:
            results[name] = run()
        except BaseException as exc:
            results[name] = exc
        finally:
            with lock:
                ended.append(name)
            close(*after)  # only now can the other side see EOF: the order in `ended` is causal

    limits = program.limits
    threads = [
        threading.Thread(target=side, name="ocr-interactive-solution", args=(
            "solution", lambda: program.execute(stdin_fd=to_solution_r, stdout_fd=to_interactor_w,
                                                cancel=cancel),
            # EOF for the interactor; the solution's stdin stays readable, so that the interactor's
            # last answers do not fail on a broken pipe before it reads that EOF
            (to_interactor_w,))),
        threading.Thread(target=side, name="ocr-interactive-interactor", args=(
            "interactor", lambda: interactor.run(test, _interactor_limits(limits), to_interactor_r,
                                                 to_solution_w, cancel),
            (to_solution_w, to_interactor_r))),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        close(*list(ends))
    for name in ("solution", "interactor"):
        if isinstance(results.get(name), BaseException):
            error = results[name]
            return CaseResult(test.name, Verdict.IE, message=f"the judge failed running the {name}: {error}",
                              input=test.input, expected=test.output)
    solution, run = results["solution"], results["interactor"]
    assert isinstance(solution, Execution) and isinstance(run, InteractorRun)
    if solution.cancelled or (cancel is not None and cancel.is_set()):
        return None
    return decide(test, solution, run, interactor.style, interactor_first=ended[0] == "interactor")


def run_interactive(program: Program, interactor: Interactor, tests: Sequence[TestCase], *,
                    on_case: Callable[[CaseResult], None] | None = None, stop_after_failure: bool = False,
                    cancel: threading.Event | None = None) -> JudgeReport:
    """Judge `program` on every test through `interactor`, one test at a time."""
    isolation = program.sandbox.info.level
    if not program.ok:
        return build_failure_report(program, tests, on_case)
    results: list[CaseResult] = []
    for test in tests:
        if cancel is not None and cancel.is_set():
            break
        judged = judge_interactive(program, interactor, test, cancel=cancel)
        if judged is None:
            break
        results.append(judged)
        if on_case is not None:
            on_case(judged)
        if stop_after_failure and not judged.passed:
            break
    verdict = max((case.verdict for case in results), key=lambda v: v.priority, default=Verdict.AC)
    return JudgeReport(verdict, tuple(results), "", isolation)
