"""Turning what happened to a run into a verdict, in DMOJ's priority: IE > TLE > MLE > OLE > RE > WA."""

from __future__ import annotations

import signal
from collections.abc import Callable

from ocr_cli.judge.sandbox import Limits, RunOutcome
from ocr_cli.judge.types import CaseResult, JudgeOptions, Verdict
from ocr_cli.problem.types import TestCase

#: Output kept in a CaseResult (stdout and stderr), for display and for the model's revision prompt.
KEEP_CHARS = 64 * 1024
_MEMORY_ERRORS = ("MemoryError", "std::bad_alloc", "Cannot allocate memory", "out of memory")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _tail(text: str, limit: int = 200) -> str:
    line = next((line for line in reversed(text.strip().splitlines()) if line.strip()), "")
    return line if len(line) <= limit else line[:limit] + "…"


def failure_verdict(outcome: RunOutcome, limits: Limits, options: JudgeOptions,
                     stderr: str) -> tuple[Verdict, str] | None:
    """The verdict of a run that did not end cleanly (IE, TLE, MLE, OLE, RE), or None for a clean one."""
    if outcome.error is not None:
        if outcome.errno == 12 or "Errno 12" in outcome.error:  # exec itself ran out of address space
            return Verdict.MLE, f"could not start within {options.memory_limit_mb} MB"
        return Verdict.IE, outcome.error
    if outcome.timed_out:
        return Verdict.TLE, (f"killed at the wall-clock deadline of {limits.wall_s:g} s after "
                             f"{outcome.cpu_s:.2f} s of CPU" +
                             (" (sleeping or blocked?)" if outcome.cpu_s < options.time_limit_s / 2 else ""))
    if outcome.signal == signal.SIGXCPU:
        return Verdict.TLE, f"killed at the CPU limit ({options.time_limit_s:g} s, rounded up to a second)"
    if outcome.cpu_s > options.time_limit_s:
        return Verdict.TLE, f"CPU time {outcome.cpu_s:.2f} s over the limit of {options.time_limit_s:g} s"
    failed = not outcome.ok
    if outcome.maxrss_mb > options.memory_limit_mb or (failed and any(m in stderr for m in _MEMORY_ERRORS)):
        return Verdict.MLE, f"memory over the limit of {options.memory_limit_mb} MB" + \
            (f" (peak {outcome.maxrss_mb:.0f} MB)" if outcome.maxrss_mb > options.memory_limit_mb else "")
    if outcome.signal == signal.SIGXFSZ or outcome.stdout_size >= limits.output_bytes:
        return Verdict.OLE, f"output over the limit of {limits.output_bytes >> 20} MB"
    if outcome.signal is not None:
        detail = _tail(stderr)
        return Verdict.RE, f"killed by {_signal_name(outcome.signal)}" + (f": {detail}" if detail else "")
    if outcome.exit_code != 0:
        detail = _tail(stderr)
        return Verdict.RE, f"exit code {outcome.exit_code}" + (f": {detail}" if detail else "")
    return None


def classify(test: TestCase, outcome: RunOutcome, limits: Limits, options: JudgeOptions,
             compare: Callable[[TestCase, bytes], tuple[bool, str]]) -> CaseResult:
    """The CaseResult of `test` given how its run went; `compare` judges a clean run's output."""
    stdout = outcome.stdout.decode(errors="replace")
    stderr = outcome.stderr.decode(errors="replace")
    failure = failure_verdict(outcome, limits, options, stderr)
    if failure is None:
        ok, message = compare(test, outcome.stdout)
        failure = (Verdict.AC, message) if ok else (Verdict.WA, message or "wrong answer")
    verdict, message = failure
    return CaseResult(name=test.name, verdict=verdict, time_s=round(outcome.cpu_s, 4),
                      wall_s=round(outcome.wall_s, 4), memory_mb=round(outcome.maxrss_mb, 2),
                      message=message, input=test.input, expected=test.output,
                      actual=stdout[:KEEP_CHARS], stderr=stderr[:KEEP_CHARS])
