"""The stress loop: generate an input, answer it with the brute force, judge the solution on it; many
times, in parallel, until a failure (then look for a smaller one), the count or the time runs out.

`stress(...)` yields typed events and ends with `StressFinished`; `ocr stress` and the REPL render
them. A generator or brute force that fails ends the loop as "broken", never as a failure of the
solution.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Literal

from ocr_cli.problem.types import TestCase
from ocr_cli.stress.schedule import DEFAULT_MAX_SIZE, RunPlan, plan_runs, shrink_plan
from ocr_cli.stress.types import (
    Failure,
    InputGenerator,
    StressResult,
    StressStatus,
    Subject,
    Tool,
    ToolFailure,
)

DEFAULT_COUNT = 1000
DEFAULT_SHRINK_RUNS = 200
#: Failures kept with --keep-going (the smallest is reported; all are saved).
MAX_FAILURES = 100


@dataclass(frozen=True)
class StressOptions:
    count: int | None = DEFAULT_COUNT  # None: until the time budget
    time_budget_s: float | None = None
    jobs: int = 1
    start_seed: int = 1
    max_size: int = DEFAULT_MAX_SIZE
    shrink_runs: int = DEFAULT_SHRINK_RUNS
    keep_going: bool = False


@dataclass(frozen=True)
class RunChecked:
    """One run finished; `failed` when the solution disagreed with the brute force on it."""

    runs: int  # runs finished so far
    seed: int
    size: int | None
    failed: bool
    shrinking: bool


@dataclass(frozen=True)
class FailureFound:
    failure: Failure
    shrinking: bool  # found while looking for a smaller failure


@dataclass(frozen=True)
class ShrinkStarted:
    runs: int  # runs planned to look for a smaller failure


@dataclass(frozen=True)
class StressFinished:
    result: StressResult


StressEvent = RunChecked | FailureFound | ShrinkStarted | StressFinished


def smallest(failures: Iterable[Failure]) -> Failure | None:
    """The failure to show: smallest size, then shortest input, then lowest seed."""
    return min(failures, key=lambda f: (f.size or 0, len(f.input), f.seed), default=None)


_Outcome = Failure | ToolFailure | Literal["cancelled"] | None


def check_one(plan: RunPlan, generator: InputGenerator, brute: Tool, solution: Subject) -> _Outcome:
    """One run: a Failure, a ToolFailure, "cancelled", or None when the solution agreed."""
    made = generator.make(plan.seed, plan.size)
    if made.problem == "cancelled":
        return "cancelled"
    if not made.ok:
        return ToolFailure("generator", plan.seed, plan.size, made.problem)
    expected = brute.run(made.stdout)
    if expected.problem == "cancelled":
        return "cancelled"
    if not expected.ok:
        return ToolFailure("brute", plan.seed, plan.size, expected.problem, made.stdout)
    case = solution.judge(TestCase(f"seed-{plan.seed}", made.stdout, expected.stdout))
    if case is None:
        return "cancelled"
    if case.passed:
        return None
    return Failure(plan.seed, plan.size, made.stdout, expected.stdout, case.actual, case.verdict,
                   case.message)


def stress(generator: InputGenerator, brute: Tool, solution: Subject, options: StressOptions,
           cancel: threading.Event | None = None) -> Generator[StressEvent, None, None]:
    """Run the stress loop (see the module docstring); `StressFinished` comes last, always."""
    cancel = cancel or threading.Event()
    start = time.monotonic()
    deadline = start + options.time_budget_s if options.time_budget_s is not None else None
    failures: list[Failure] = []
    runs = 0
    broken: ToolFailure | None = None
    pool = ThreadPoolExecutor(max_workers=max(1, options.jobs), thread_name_prefix="ocr-stress")

    def timed_out() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    def batch(plans: Iterator[RunPlan], limit: int | None, shrinking: bool,
              stop_on_failure: bool) -> Iterator[StressEvent]:
        nonlocal runs, broken
        started = 0
        running: dict[Future[_Outcome], RunPlan] = {}
        stop = False
        while True:
            while (not stop and len(running) < options.jobs * 2 and (limit is None or started < limit)
                   and not cancel.is_set() and not timed_out()):
                plan = next(plans, None)
                if plan is None:
                    break
                running[pool.submit(check_one, plan, generator, brute, solution)] = plan
                started += 1
            if not running:
                return
            done, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: running[f].seed):
                plan = running.pop(future)
                outcome = future.result()
                if outcome == "cancelled":
                    continue
                runs += 1
                if isinstance(outcome, ToolFailure):
                    broken = broken or outcome
                    stop = True
                    continue
                yield RunChecked(runs, plan.seed, plan.size, outcome is not None, shrinking)
                if outcome is not None:
                    if len(failures) < MAX_FAILURES:
                        failures.append(outcome)
                    yield FailureFound(outcome, shrinking)
                    if stop_on_failure:
                        stop = True

    try:
        count = options.count
        if count is None and deadline is None:
            count = DEFAULT_COUNT
        yield from batch(plan_runs(options.start_seed, generator.sized, options.max_size), count,
                         shrinking=False, stop_on_failure=not options.keep_going)
        if failures and broken is None and not cancel.is_set() and not options.keep_going:
            first = smallest(failures)
            assert first is not None
            last_seed = max(f.seed for f in failures)
            next_seed = max(last_seed, options.start_seed + runs) + 1
            plans = shrink_plan(next_seed, first.size, options.shrink_runs)
            if plans:
                yield ShrinkStarted(len(plans))
                yield from batch(iter(plans), None, shrinking=True, stop_on_failure=False)
    except BaseException:  # Ctrl-C in the consumer, or a bug: stop the runs still going
        cancel.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    elapsed = time.monotonic() - start
    best = smallest(failures)
    ordered = tuple(sorted(failures, key=lambda f: (f.size or 0, len(f.input), f.seed)))
    status: StressStatus = "passed"
    if broken is not None:
        status = "broken"
    elif cancel.is_set():
        status = "cancelled"
    elif best is not None:
        status = "failed"
    yield StressFinished(StressResult(status, runs, elapsed, best, ordered, broken))


class StressProgress:
    """Follows a stress run's events: the result once finished, or what is known so far (after
    Ctrl-C stopped the consumer before `StressFinished`)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.runs = 0
        self.failures: list[Failure] = []
        self.result: StressResult | None = None

    def add(self, event: StressEvent) -> None:
        if isinstance(event, RunChecked):
            self.runs = event.runs
        elif isinstance(event, FailureFound):
            self.failures.append(event.failure)
        elif isinstance(event, StressFinished):
            self.result = event.result

    def so_far(self) -> StressResult:
        """The finished result, else a "cancelled" one with the failures found so far."""
        if self.result is not None:
            return self.result
        ordered = tuple(sorted(self.failures, key=lambda f: (f.size or 0, len(f.input), f.seed)))
        return StressResult("cancelled", self.runs, time.monotonic() - self.started,
                            ordered[0] if ordered else None, ordered)
