"""Rendering a stress test with rich: progress while it runs, then the smallest failing case.

`StressView` consumes `ocr_cli.stress.runner` events; off a terminal it prints only plain lines for
failures found and the summary. The REPL's `/stress` reuses it.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.status import Status
from rich.text import Text

from ocr_cli.stress.runner import FailureFound, RunChecked, ShrinkStarted, StressEvent, StressFinished
from ocr_cli.stress.types import Failure, StressResult

SCREEN_LINES = 20


def _cut(text: str, lines: int = SCREEN_LINES) -> str:
    rows = text.rstrip("\n").splitlines()
    shown = [row if len(row) <= 200 else row[:200] + "…" for row in rows[:lines]]
    if len(rows) > lines:
        shown.append(f"… ({len(rows) - lines} more lines)")
    return "\n".join(shown) or "(empty)"


class StressView:
    """Shows a stress test as it runs; use as a context manager around `handle`."""

    def __init__(self, console: Console, reproduce: str | None = None) -> None:
        self.console = console
        self.reproduce = reproduce  # e.g. "python3 gen.py {seed} {size}"
        self._status: Status | None = None
        self._started = time.monotonic()
        self._failures = 0
        self.result: StressResult | None = None

    def __enter__(self) -> StressView:
        if self.console.is_terminal:
            self._status = self.console.status("stress: starting…")
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def _line(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def handle(self, event: StressEvent) -> None:
        if isinstance(event, RunChecked):
            if self._status is not None:
                rate = event.runs / max(time.monotonic() - self._started, 1e-9)
                size = f" · size {event.size}" if event.size is not None else ""
                phase = "shrinking" if event.shrinking else "stress"
                self._status.update(f"{phase}: run {event.runs}{size} · {rate:.0f} runs/s · "
                                    f"{self._failures} failing")
        elif isinstance(event, FailureFound):
            self._failures += 1
            failure = event.failure
            size = f" (size {failure.size})" if failure.size is not None else ""
            self._line(f"{failure.verdict.value} on seed {failure.seed}{size}, input of "
                       f"{len(failure.input)} characters")
        elif isinstance(event, ShrinkStarted):
            self._line(f"looking for a smaller failing input ({event.runs} runs)")
        elif isinstance(event, StressFinished):
            self.__exit__()
            self.result = event.result
            render_stress_result(self.console, event.result, self.reproduce)


def reproduce_line(template: str | None, failure: Failure) -> str | None:
    if template is None:
        return None
    return template.replace("{seed}", str(failure.seed)).replace(
        "{size}", str(failure.size) if failure.size is not None else "")


def render_stress_result(console: Console, result: StressResult, reproduce: str | None = None) -> None:
    """The smallest failing case (input, expected, received, verdict, seed) and a summary line."""
    failure = result.failure
    if failure is not None:
        size = f", size {failure.size}" if failure.size is not None else ""
        console.print(Text(f"smallest failing case: seed {failure.seed}{size}: {failure.verdict.value}"
                           + (f" ({failure.message})" if failure.message else ""), style="bold red"))
        for title, body in (("input", failure.input), ("expected (brute)", failure.expected),
                            ("received", failure.got)):
            console.print(Text(title, style="bold"))
            console.print(Text(_cut(body)))
        line = reproduce_line(reproduce, failure)
        if line:
            console.print(Text(f"reproduce: {line}", style="dim"))
    console.print(Text(summary_line(result), style="bold" if result.status == "passed" else ""))


def summary_line(result: StressResult) -> str:
    rate = result.runs / result.seconds if result.seconds > 0 else 0.0
    runs = f"{result.runs} runs in {result.seconds:.1f} s ({rate:.0f}/s)"
    if result.status == "passed":
        return f"passed: no difference in {runs}"
    if result.status == "failed":
        count = len(result.failures)
        return f"failed: {count} failing input{'s' if count != 1 else ''} found in {runs}"
    if result.status == "broken" and result.broken is not None:
        return f"stopped: {result.broken.describe()} ({runs})"
    return f"interrupted after {runs}"
