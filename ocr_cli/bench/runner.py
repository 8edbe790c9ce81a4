"""Run ocr over a problem set: per problem × strategy × language, solve with the statement and its
samples only, then judge the final code (and every critiqued candidate) on the hidden tests.

The runner never prints: it reports progress through a callback and writes the results file after
every finished run, so Ctrl-C loses at most the runs in progress.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ocr_cli.bench.problemset import BenchEntry, BenchProblem, load_bench_problem
from ocr_cli.bench.report import BenchReport, DraftRecord, RunKey, RunRecord
from ocr_cli.config import Settings
from ocr_cli.engines.base import Engine
from ocr_cli.errors import OcrError
from ocr_cli.judge.types import JudgeReport, Verdict
from ocr_cli.language import Language
from ocr_cli.solve.events import (
    CandidateDrafted,
    CandidateTested,
    CritiqueFinished,
    SolveEvent,
    SolveFinished,
)
from ocr_cli.solve.types import CriticVerdict, SolveResult, SolveSettings

if TYPE_CHECKING:
    from ocr_cli.solve.candidate_steps import JudgeLike


@dataclass
class SolveTrace:
    """What one solve drafted, tested and critiqued, by candidate id, and how it ended."""

    visible_tests: int = 0
    result: SolveResult | None = None
    drafted: dict[str, CandidateDrafted] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    reports: dict[str, JudgeReport] = field(default_factory=dict)
    verdicts: dict[str, CriticVerdict | None] = field(default_factory=dict)
    critiques: dict[str, CritiqueFinished] = field(default_factory=dict)
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class RunStarted:
    """A problem × strategy × language run began."""

    key: RunKey


@dataclass(frozen=True)
class RunFinished:
    """A run ended; `done` of `total` planned runs are now in the results."""

    record: RunRecord
    done: int
    total: int


BenchProgress = RunStarted | RunFinished
ProgressCallback = Callable[[BenchProgress], None]


def parallel_capable(*engines: Engine | None) -> bool:
    """Whether these engines may serve several solves at once (a server's slots; an in-process
    llama.cpp model decodes one batch at a time)."""
    return all(engine is None or engine.info.engine == "openai" for engine in engines)


class BenchRunner:
    """Benches one generator (and critic) with fixed budgets over problem folders."""

    def __init__(
        self,
        generator: Engine,
        critic: Engine | None,
        settings: Settings,
        solve_settings: SolveSettings,
        *,
        strategies: Sequence[str],
        languages: Sequence[Language],
        jobs: int = 1,
        samples: int | None = None,
    ) -> None:
        self.generator = generator
        self.critic = critic
        self.settings = settings
        self.solve_settings = solve_settings
        self.strategies = tuple(strategies)
        self.languages = tuple(languages)
        self.samples = samples  # --samples K: record every first-round draft for pass@k and select@k
        self.jobs = max(1, jobs) if parallel_capable(generator, critic) else 1
        self._lock = threading.Lock()
        self._work = tempfile.TemporaryDirectory(prefix="ocr-bench-")

    def planned_keys(self, problems: Sequence[BenchEntry]) -> list[RunKey]:
        """Every run the bench would make, in order."""
        return [(p.key, s, lang.value) for p in problems for s in self.strategies for lang in self.languages]

    def run(
        self,
        problems: Sequence[BenchEntry],
        report: BenchReport,
        output: Path,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> BenchReport:
        """Bench every problem not already done in `report`, writing `output` after each run.

        KeyboardInterrupt stops the runs in progress (they are not recorded) and propagates.
        """
        cancel = cancel or threading.Event()
        done_keys = report.done_keys()
        total = len(self.planned_keys(problems))
        todo = [p for p in problems
                if any(key not in done_keys for key in self.planned_keys([p]))]
        progress = on_progress or (lambda _event: None)

        def finished(record: RunRecord) -> None:
            with self._lock:
                report.add(record)
                report.write(output)
                done = len(report.done_keys() & set(self.planned_keys(problems)))
            progress(RunFinished(record=record, done=done, total=total))

        def bench_problem(entry: BenchEntry) -> None:
            self._bench_problem(entry, done_keys, finished, progress, cancel)

        report.write(output)
        if self.jobs == 1:
            for entry in todo:
                if cancel.is_set():
                    break
                bench_problem(entry)
            return report
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="ocr-bench") as pool:
            pending: set[Future[None]] = {pool.submit(bench_problem, entry) for entry in todo}
            try:
                while pending:
                    completed, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    for future in completed:
                        future.result()
            except BaseException:
                cancel.set()
                for future in pending:
                    future.cancel()
                raise
        return report

    def close(self) -> None:
        self._work.cleanup()

    # one problem

    def _bench_problem(
        self,
        entry: BenchEntry,
        done_keys: set[RunKey],
        finished: Callable[[RunRecord], None],
        progress: ProgressCallback,
        cancel: threading.Event,
    ) -> None:
        keys = [key for key in self.planned_keys([entry]) if key not in done_keys]
        try:
            problem = load_bench_problem(entry)
        except OcrError as exc:
            for key in keys:
                finished(RunRecord(*key, status="error", reason=str(exc)))
            return
        for key in keys:
            if cancel.is_set():
                return
            progress(RunStarted(key=key))
            record = self.bench_one(problem, key[1], Language.parse(key[2]), cancel)
            if cancel.is_set():  # interrupted mid-run: not a result; --resume redoes it
                return
            finished(record)

    def bench_one(self, bp: BenchProblem, strategy: str, language: Language,
                  cancel: threading.Event | None = None) -> RunRecord:
        """Solve one problem with one strategy in one language and judge the outcome."""
        base = RunRecord(problem=bp.key, strategy=strategy, language=language.value, status="skipped",
                         hidden_tests=len(bp.hidden_tests), checker=bp.checker is not None,
                         tags=dict(bp.tags))
        from ocr_cli.judge.interactive import find_interactor

        if bp.interactive and find_interactor(bp.path) is None:
            return dataclasses.replace(base, reason="interactive, without interactor.py/.cpp")
        if bp.interactive and (strategy == "single" or not self.solve_settings.use_critic):
            # its samples are dialogues, so the solver has no tests: only a critic can choose
            return dataclasses.replace(base, reason="interactive: no visible tests and no critic")
        if not bp.judge_tests:
            return dataclasses.replace(base, reason="no tests and no samples to judge with")
        if bp.problem.function_name and language is not Language.PYTHON:
            return dataclasses.replace(base, reason="functional (class Solution) problems: Python only")
        try:
            judge = self._judge_for(bp)
            trace = self._solve(bp, strategy, language, judge, cancel)
        except OcrError as exc:
            return dataclasses.replace(base, status="error", reason=str(exc))
        result = trace.result
        assert result is not None  # _solve always sets it
        outcomes: dict[tuple[str, bool], JudgeReport] = {}

        def hidden(code: str, full: bool) -> JudgeReport:
            """The code's outcome on hidden tests + samples (`full`: every case, else up to a failure)."""
            cached = outcomes.get((code, True)) or outcomes.get((code, full))
            if cached is None:
                cached = judge.run(code, language, bp.judge_tests, stop_after_failure=not full, cancel=cancel)
                outcomes[(code, full)] = cached
            return cached

        record = dataclasses.replace(
            base, status="failed", solve_status=result.status, reason=result.stop_reason,
            generated_tokens=result.generated_tokens, prompt_tokens=result.prompt_tokens,
            elapsed_s=round(result.timings.total_s or trace.elapsed_s, 3), rounds=result.rounds,
            candidates=len(result.candidates) or len(trace.codes),
        )
        try:
            if result.code is not None:
                final = hidden(result.code, full=True)
                record.final_verdict = final.verdict.value
                record.tests_passed = final.passed
                if final.verdict is Verdict.AC and final.passed == len(bp.judge_tests):
                    record.status = "solved"
            record.tests_total = len(bp.judge_tests)  # also when nothing ran (no code, CE)
            for candidate_id, verdict in trace.verdicts.items():
                code = trace.codes.get(candidate_id)
                if code is None:
                    continue
                passes = hidden(code, full=False).verdict is Verdict.AC
                record.critic.add(None if verdict is None else verdict == "right", passes)
            if self.samples is not None:
                record.drafts = self._drafts(bp, strategy, language, trace, record,
                                             lambda code: hidden(code, full=False), cancel)
        except OcrError as exc:
            return dataclasses.replace(record, status="error", reason=f"judging: {exc}")
        return record

    def _judge_for(self, bp: BenchProblem) -> JudgeLike:
        from ocr_cli.judge.runner import Judge
        from ocr_cli.solve.setup import judge_options_from

        options = judge_options_from(self.settings, bp.problem)  # the problem's checker included
        if bp.problem.function_name:
            from ocr_cli.judge.functional import FunctionalJudge, FunctionSpec

            return FunctionalJudge(FunctionSpec(bp.problem.function_name), options)
        return Judge(options)

    def _solve(self, bp: BenchProblem, strategy: str, language: Language, judge: JudgeLike,
               cancel: threading.Event | None) -> SolveTrace:
        """Run the solver on the statement and samples only; what it drafted, tested and critiqued."""
        from ocr_cli.solve.setup import collect_tests
        from ocr_cli.solve.solver import Solver

        settings = dataclasses.replace(self.solve_settings, strategy=strategy,  # type: ignore[arg-type]
                                       language=language)
        solver = Solver(self.generator, self.critic, judge, settings)
        visible = collect_tests(bp.problem, [])
        trace = SolveTrace(visible_tests=len(visible))
        started = time.monotonic()
        event: SolveEvent
        for event in solver.solve(bp.problem, visible, cancel=cancel):
            if isinstance(event, CandidateDrafted):
                trace.drafted[event.candidate_id] = event
                if event.code is not None:
                    trace.codes[event.candidate_id] = event.code
            elif isinstance(event, CandidateTested):
                trace.reports[event.candidate_id] = event.report
            elif isinstance(event, CritiqueFinished):
                trace.verdicts[event.candidate_id] = event.verdict
                trace.critiques[event.candidate_id] = event
            elif isinstance(event, SolveFinished):
                trace.result = event.result
        if trace.result is None:  # the solver promises SolveFinished last; be safe anyway
            trace.result = solver.result_so_far()
        trace.elapsed_s = time.monotonic() - started
        return trace

    def _drafts(self, bp: BenchProblem, strategy: str, language: Language, trace: SolveTrace,
                record: RunRecord, passes: Callable[[str], JudgeReport],
                cancel: threading.Event | None) -> list[DraftRecord]:
        """The first-round drafts with their hidden outcome, ocr's ranking of them, and a critique of
        every draft with code (the paper's rule critiques them all; ocr asks only about drafts that
        pass the samples, so the bench asks about the rest)."""
        from ocr_cli.solve.critic import critique_reasoning
        from ocr_cli.solve.ranking import Candidate, ranked

        firsts = [event for event in trace.drafted.values() if event.round == 0]
        candidates = [Candidate(id=e.candidate_id, round=0, kind="draft", parent_id=None, code=e.code,
                                syntax_error=e.syntax_error, report=trace.reports.get(e.candidate_id),
                                critic_verdict=trace.verdicts.get(e.candidate_id),
                                critic_p_right=(c.p_right if (c := trace.critiques.get(e.candidate_id))
                                                else None),
                                critique_length=(len(critique_reasoning(c.response))
                                                 if (c := trace.critiques.get(e.candidate_id)) else None),
                                critiqued=e.candidate_id in trace.critiques) for e in firsts]
        # ocr's ranking under the selection rule the solve used (--select)
        rank = {c.id: index for index, c in enumerate(ranked(candidates, self.solve_settings.select))}
        started = time.monotonic()
        extra = self._critique_rest(bp, strategy, language,
                                    [e for e in firsts if e.code is not None
                                     and e.candidate_id not in trace.critiques], cancel)
        record.extra_critique_s = round(time.monotonic() - started, 3)
        record.extra_critique_tokens = sum(tokens or 0 for _, tokens, _, _ in extra.values())
        drafts = []
        for event in firsts:
            cid = event.candidate_id
            own = trace.critiques.get(cid)
            verdict, tokens, p_right, by = (
                (own.verdict, own.completion_tokens, own.p_right, "solve") if own is not None
                else extra.get(cid, (None, None, None, None)))
            report = trace.reports.get(cid)
            drafts.append(DraftRecord(
                id=cid, passes=event.code is not None and passes(event.code).verdict is Verdict.AC,
                visible_passed=report.passed if report is not None else 0, critic=verdict,
                critique_tokens=tokens, p_right=p_right, critiqued_by=by, ocr_rank=rank[cid]))
        return drafts

    def _critique_rest(self, bp: BenchProblem, strategy: str, language: Language,
                       drafts: list[CandidateDrafted], cancel: threading.Event | None,
                       ) -> dict[str, tuple[str | None, int, float | None, str]]:
        """Critique `drafts` the solver did not ask about: id → (verdict, tokens, p_right, "bench")."""
        if not drafts or self.critic is None or strategy == "single" or not self.solve_settings.use_critic:
            return {}
        from ocr_cli.engines.base import GenerationRequest
        from ocr_cli.prompts import critic_messages
        from ocr_cli.solve.critic import read_critique

        prompts = [critic_messages(bp.problem, event.code or "", language) for event in drafts]
        seed = self.solve_settings.seed
        requests = [GenerationRequest(messages, self.solve_settings.sampling(
            self.solve_settings.critic_max_tokens, None if seed is None else seed + 10_000 + index))
            for index, messages in enumerate(prompts)]
        results = self.critic.generate_batch(requests, None, cancel)
        out: dict[str, tuple[str | None, int, float | None, str]] = {}
        for event, messages, result in zip(drafts, prompts, results, strict=True):
            critique = read_critique(self.critic, messages, result.text)
            out[event.candidate_id] = (critique.verdict, result.completion_tokens, critique.p_right, "bench")
        return out
