"""Running one solve for a front end: its transcript, its view, and Ctrl+C, in one place.

`ocr solve` and the REPL both call `run_solve`: every event is recorded in the transcript as it
comes and shown by the view; Ctrl+C cancels the solve and keeps the best candidate so far (in the
result and the transcript). A transcript that cannot be written never stops a solve: the run goes
on and `SolveRun.transcript_problem` says why there is none.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ocr_cli.config import Settings
from ocr_cli.errors import OcrError, StorageError
from ocr_cli.problem.types import Problem, TestCase
from ocr_cli.solve import events as ev
from ocr_cli.solve.types import SolveResult

if TYPE_CHECKING:
    from ocr_cli.frontend.render_solve import SolveView


class SolverLike(Protocol):
    """What a front end needs of `ocr_cli.solve.solver.Solver`."""

    def solve(self, problem: Problem, tests: Sequence[TestCase],
              cancel: threading.Event | None = None) -> Iterator[ev.SolveEvent]: ...

    def result_so_far(self) -> SolveResult: ...


class RecorderLike(Protocol):
    """What a front end needs of `ocr_cli.storage.transcripts.RunRecorder`."""

    run_id: int

    def record(self, event: ev.SolveEvent) -> None: ...

    def finish(self, result: SolveResult) -> None: ...


@dataclass
class SolveRun:
    """How a solve ended: its result, whether Ctrl+C stopped it, and its transcript."""

    result: SolveResult
    interrupted: bool
    run_id: int | None
    transcript_problem: str | None = None


def start_transcript(command: str, problem: Problem, settings: Settings, models: dict[str, str],
                     store: Any = None) -> tuple[RecorderLike | None, str | None]:
    """(a recorder for a new transcript, None) or (None, why there is none); (None, None) with
    `log` off. `store` reuses an open `TranscriptStore` (the REPL keeps one)."""
    if not settings.log:
        return None, None
    try:
        if store is None:
            from ocr_cli.storage.transcripts import TranscriptStore

            store = TranscriptStore()
        return store.start_run(command, problem, settings, models), None
    except StorageError as exc:  # a solve is worth more than its transcript
        return None, str(exc)


def run_solve(solver: SolverLike, problem: Problem, tests: Sequence[TestCase], *,
              recorder: RecorderLike | None, view: SolveView | None,
              on_event: Callable[[ev.SolveEvent], None] | None = None,
              cancel: threading.Event | None = None) -> SolveRun:
    """Run the solve to its end (or Ctrl+C), recording and showing each event; never raises
    KeyboardInterrupt. An `OcrError` (the judge or an engine failed) finishes the transcript with the
    best so far and is raised again."""
    cancel = cancel or threading.Event()
    run = _Recording(recorder)
    result: SolveResult | None = None
    interrupted = False
    try:
        with view if view is not None else nullcontext():
            for event in solver.solve(problem, tests, cancel):
                run.record(event)
                if on_event is not None:
                    on_event(event)
                if view is not None:
                    view.handle(event)
                if isinstance(event, ev.SolveFinished):
                    result = event.result
    except KeyboardInterrupt:
        cancel.set()
        interrupted = True
    except OcrError:  # e.g. a checker that cannot run: reported as one line, the work so far kept
        cancel.set()
        run.finish(solver.result_so_far())
        raise
    if result is None:
        result = solver.result_so_far()
    run.finish(result)
    return SolveRun(result=result, interrupted=interrupted,
                    run_id=recorder.run_id if recorder is not None else None,
                    transcript_problem=run.problem or _recorder_failure(recorder))


def _recorder_failure(recorder: RecorderLike | None) -> str | None:
    """Why the transcript is incomplete: `RunRecorder` never raises, it keeps its first failed write
    (the database locked past its timeout, a full disk) and still tries to store the result."""
    failure = getattr(recorder, "failure", None)
    return f"transcript incomplete: {failure}" if failure is not None else None


class _Recording:
    """A recorder that stops recording (and remembers why) at its first failing write."""

    def __init__(self, recorder: RecorderLike | None) -> None:
        self.recorder = recorder
        self.problem: str | None = None

    def record(self, event: ev.SolveEvent) -> None:
        if self.recorder is None:
            return
        try:
            self.recorder.record(event)
        except StorageError as exc:
            self.problem, self.recorder = f"transcript not written: {exc}", None

    def finish(self, result: SolveResult) -> None:
        if self.recorder is None:
            return
        try:
            self.recorder.finish(result)
        except StorageError as exc:
            self.problem = f"transcript not finished: {exc}"
