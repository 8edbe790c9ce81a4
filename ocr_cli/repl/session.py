"""The state of one REPL session: settings, loaded engines, the current problem and its tests, and
what past solves produced. No terminal code here: the app renders, the session computes.

Engines are opened once and kept loaded for the whole session; `/model` and `/critic` open the new
model and close the ones no longer used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocr_cli.config import Settings, write_config_file
from ocr_cli.engines.base import Engine, EngineInfo
from ocr_cli.engines.factory import EnginePool
from ocr_cli.errors import OcrError, ProblemError, StorageError
from ocr_cli.frontend.solve_run import SolverLike, SolveRun
from ocr_cli.judge.types import JudgeReport
from ocr_cli.language import Language
from ocr_cli.problem.types import Problem, TestCase
from ocr_cli.solve import events as ev
from ocr_cli.solve.types import SolveResult, SolveSettings

if TYPE_CHECKING:
    from ocr_cli.frontend.render_solve import SolveView


@dataclass
class CandidateTrace:
    """What one candidate of a run produced, for `/show`."""

    code: str | None = None
    reasoning: str | None = None
    critique: str | None = None
    verdict: str | None = None


@dataclass
class RunEntry:
    """One solve of this session (`/history`)."""

    number: int
    title: str
    problem: Problem | None = None  # the problem it solved (best code belongs to it)
    result: SolveResult | None = None
    run_id: int | None = None  # transcript id, None when not logged
    started: float = field(default_factory=time.time)
    candidates: dict[str, CandidateTrace] = field(default_factory=dict)
    brute_code: str | None = None  # the brute force generated tests kept (for /stress)
    generator_code: str | None = None  # the input generator they kept

    @property
    def best(self) -> CandidateTrace | None:
        if self.result is None or self.result.best_id is None:
            return None
        return self.candidates.get(self.result.best_id)


class ReplSession:
    """Settings, engines, problem, tests and results of one interactive session."""

    def __init__(self, settings: Settings, *, engines: dict[str, Engine] | None = None) -> None:
        """`engines`: engines already open, by `engines.factory.engine_key` of their spec (tests pass
        scripted ones); the others are opened on first use."""
        self._pool = EnginePool(settings, engines)
        self.problem: Problem | None = None
        self.dir_tests: list[TestCase] = []
        self.tests_dir: Path | None = None
        self.added_tests: list[TestCase] = []
        self.runs: list[RunEntry] = []
        self._store: Any = None
        #: Why the last solve has no transcript (the database could not be written), else None.
        self.transcript_problem: str | None = None

    @property
    def settings(self) -> Settings:
        """The session's settings; the engine pool opens models with these."""
        return self._pool.settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._pool.settings = value

    # ----- engines -------------------------------------------------------------------------------

    def engines(self) -> tuple[Engine, Engine | None]:
        """The generator and the critic (the generator itself unless another is named; None when off),
        opening them on first use."""
        return self._pool.generator_and_critic()

    def set_model(self, spec: str) -> EngineInfo:
        """Use another generator (opened now; the previous one is closed unless still the critic)."""
        previous = self.settings
        self.settings = self.settings.with_overrides(model=spec)
        try:
            engine = self._pool.get(spec)
        except OcrError:
            self.settings = previous
            raise
        self._pool.release_unused()
        return engine.info

    def set_critic(self, spec: str) -> EngineInfo | None:
        """Use another critic; "off" turns critiquing off, "self" makes the generator its own critic."""
        if spec.lower() == "off":
            self.settings = self.settings.with_overrides(no_critic=True)
            self._pool.release_unused()
            return None
        previous = self.settings
        critic = None if spec.lower() == "self" else spec
        self.settings = self.settings.with_overrides(critic=critic, no_critic=False)
        try:
            _, engine = self.engines()
        except OcrError:
            self.settings = previous
            raise
        self._pool.release_unused()
        return engine.info if engine is not None else None

    def close(self) -> None:
        """Release every engine and the transcript database."""
        self._pool.close()
        if self._store is not None and hasattr(self._store, "close"):
            self._store.close()
        self._store = None

    # ----- settings ------------------------------------------------------------------------------

    def update(self, **values: Any) -> Settings:
        """Change settings for this session; raises ConfigError (settings unchanged) on bad values."""
        changed = self.settings.with_overrides(**values)
        self.settings = changed
        return changed

    def session_changes(self) -> dict[str, Any]:
        """The settings changed during this session, by name."""
        return {name: getattr(self.settings, name)
                for name, origin in self.settings.sources.items() if origin == "session"}

    def save_settings(self, path: Path | None = None) -> tuple[Path, dict[str, Any]]:
        """Write the session's changes to the config file; returns its path and what was written."""
        changes = self.session_changes()
        return write_config_file(changes, path), changes

    @property
    def language(self) -> Language:
        return Language.parse(self.settings.lang)

    # ----- problem and tests ---------------------------------------------------------------------

    def set_problem_text(self, text: str) -> tuple[Problem, list[str]]:
        """Read a pasted statement (samples and limits extracted) and make it the current problem;
        also what of the previous problem was dropped (see `set_problem`)."""
        from ocr_cli.problem.loader import load_problem

        if not text.strip():
            raise ProblemError("the statement is empty")
        problem = load_problem("<pasted>", text=text)
        return problem, self.set_problem(problem)

    def set_problem(self, problem: Problem) -> list[str]:
        """Make `problem` the current one. The previous problem's tests, results and best code go
        (one problem at a time); returns what was dropped, for telling the user. Tests loaded while
        no problem was current belong to this one."""
        dropped: list[str] = []
        if self.problem is not None:
            if self.dir_tests:
                dropped.append(f"{len(self.dir_tests)} tests from {self.tests_dir}")
            if self.added_tests:
                dropped.append(f"{len(self.added_tests)} added tests")
            if self.best_code() is not None:
                dropped.append("the best code")
            self.dir_tests, self.tests_dir, self.added_tests = [], None, []
        self.problem = problem
        return dropped

    def set_statement(self, text: str) -> Problem:
        """Give the current problem its statement text (a Competitive Companion problem has none)."""
        from ocr_cli.problem.loader import with_statement

        if self.problem is None:
            raise ProblemError("no current problem: paste a statement first")
        self.problem = with_statement(self.problem, text)
        return self.problem

    def clear(self) -> None:
        """Forget the current problem and its extra tests (the settings and history stay)."""
        self.problem = None
        self.added_tests = []
        self.dir_tests = []
        self.tests_dir = None

    def load_tests_dir(self, folder: Path) -> list[TestCase]:
        """Load an oj-layout test folder to use alongside the samples of the current problem (or of
        the next one, when none is current)."""
        from ocr_cli.problem.testdirs import load_inputs, load_tests

        interactive = self.problem is not None and self.problem.interactive  # answers are optional
        self.dir_tests = list(load_inputs(folder) if interactive else load_tests(folder))
        self.tests_dir = folder
        return self.dir_tests

    def add_test(self, input_text: str, output_text: str) -> TestCase:
        """Add one input/output pair to the current problem's tests."""
        if not input_text.strip() and not output_text.strip():
            raise ProblemError("a test needs an input or an output")
        case = TestCase(name=f"added-{len(self.added_tests) + 1}",
                        input=_with_newline(input_text), output=_with_newline(output_text))
        self.added_tests.append(case)
        return case

    def tests(self) -> list[TestCase]:
        """The tests a solve and `/test` use: the samples, a loaded folder, the added pairs."""
        problem = self.problem
        # an interactive problem's samples are dialogue transcripts, not batch tests
        samples = list(problem.samples) if problem is not None and not problem.interactive else []
        return samples + self.dir_tests + self.added_tests

    # ----- solving -------------------------------------------------------------------------------

    def _solve_settings(self) -> SolveSettings:
        from ocr_cli.solve.setup import model_preset, solve_settings_from

        return solve_settings_from(self.settings, model_preset(self.settings.model)[0])

    def _judge(self, problem: Problem | None) -> Any:
        from ocr_cli.judge.runner import Judge
        from ocr_cli.solve.setup import judge_options_from

        return Judge(judge_options_from(self.settings, problem or Problem(statement="")))

    def _make_solver(self, generator: Engine, critic: Engine | None) -> SolverLike:
        from ocr_cli.solve.solver import Solver

        return Solver(generator, critic, self._judge(self.problem), self._solve_settings())

    def solve_warnings(self) -> list[str]:
        """What a solve of the current problem must say about its evidence (raises ProblemError when
        `require_tests` is on and there are no tests)."""
        from ocr_cli.solve.setup import evidence_warnings

        if self.problem is None:
            raise ProblemError("no current problem: paste a statement first")
        return evidence_warnings(self.problem, self.tests(), self.settings)

    def solve(self, view: SolveView | None = None, cancel: threading.Event | None = None) -> SolveRun:
        """Solve the current problem with the current settings, shown by `view`.

        Every event is recorded in the transcript as it comes (`frontend.solve_run.run_solve`). On
        Ctrl+C the solve is cancelled and the best candidate so far is kept (in `/history` and the
        transcript); the returned run says it was interrupted.
        """
        from ocr_cli.frontend.solve_run import run_solve, start_transcript

        if self.problem is None:
            raise ProblemError("no current problem: paste a statement first")
        problem = self.problem
        generator, critic = self.engines()
        solver = self._make_solver(generator, critic)
        models = {"generator": generator.info.describe()}
        if critic is not None:
            models["critic"] = critic.info.describe()
        recorder, self.transcript_problem = None, None
        if self.settings.log:
            try:
                if self._store is None:
                    from ocr_cli.storage.transcripts import TranscriptStore

                    self._store = TranscriptStore()
                recorder, self.transcript_problem = start_transcript("repl", problem, self.settings, models,
                                                                     self._store)
            except StorageError as exc:  # a solve is worth more than its transcript
                self.transcript_problem = str(exc)
        entry = RunEntry(number=len(self.runs) + 1, title=problem.title or _first_line(problem.statement),
                         problem=problem, run_id=recorder.run_id if recorder is not None else None)
        self.runs.append(entry)
        try:
            run = run_solve(solver, problem, self.tests(), recorder=recorder, view=view,
                            on_event=lambda event: _trace(entry, event), cancel=cancel)
        except OcrError:
            entry.result = solver.result_so_far()  # in /history, not "running" forever
            raise
        entry.result = run.result
        self.transcript_problem = self.transcript_problem or run.transcript_problem
        return run

    @property
    def last_run(self) -> RunEntry | None:
        """The last run on the current problem (a new problem has none yet)."""
        return next((entry for entry in reversed(self.runs) if entry.problem is self.problem), None)

    def best_code(self) -> tuple[str, Language] | None:
        """The code of the best candidate of the last run on the current problem, with its language."""
        for entry in reversed(self.runs):
            if entry.problem is not self.problem:
                continue
            if entry.result is not None and entry.result.code:
                return entry.result.code, entry.result.language
        return None

    def run_tests(self, source: str, language: Language,
                  on_case: Callable[[Any], None] | None = None,
                  cancel: threading.Event | None = None) -> JudgeReport:
        """Judge `source` against the current tests."""
        tests = self.tests()
        if not tests:
            raise ProblemError("no tests: paste a problem with samples, /add-test or /tests DIR")
        report: JudgeReport = self._judge(self.problem).run(source, language, tests, on_case=on_case,
                                                            cancel=cancel)
        return report


def _trace(entry: RunEntry, event: ev.SolveEvent) -> None:
    if isinstance(event, ev.CandidateDrafted):
        trace = entry.candidates.setdefault(event.candidate_id, CandidateTrace())
        trace.code, trace.reasoning = event.code, event.reasoning
    elif isinstance(event, ev.CritiqueFinished):
        trace = entry.candidates.setdefault(event.candidate_id, CandidateTrace())
        trace.critique, trace.verdict = event.response, event.verdict
    elif isinstance(event, ev.GeneratedTestsReady):
        entry.brute_code, entry.generator_code = event.brute_code, event.generator_code
    elif isinstance(event, ev.SolveFinished):
        entry.result = event.result


def _first_line(text: str) -> str:
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line[:60] + ("…" if len(line) > 60 else "")


def _with_newline(text: str) -> str:
    return text if text.endswith("\n") or not text else text + "\n"
