"""The solve loop: draft N candidates, test them, critique them, revise the most promising, select.

`Solver.solve` yields typed events (`ocr_cli.solve.events`) and ends with `SolveFinished`. Model calls
and judge runs happen on a worker thread so their streamed chunks and case results can be yielded as
they come; the time budget and an outside `cancel` both stop them through one Event.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal, TypeVar

from ocr_cli.engines.base import Engine, GenerationRequest, GenerationResult, Message
from ocr_cli.errors import ProblemError
from ocr_cli.problem.types import Problem, TestCase
from ocr_cli.prompts import generator_messages, reviser_messages
from ocr_cli.solve import events as ev
from ocr_cli.solve.budget import Budget
from ocr_cli.solve.candidate_steps import CandidateSteps, JudgeLike
from ocr_cli.solve.feedback import candidate_feedback
from ocr_cli.solve.generated import GeneratedTests, ProgramJudge, loop_access
from ocr_cli.solve.pipeline import RoundPipeline
from ocr_cli.solve.ranking import Candidate, best_of, ranked
from ocr_cli.solve.streaming import stream_from_worker
from ocr_cli.solve.types import SolveResult, SolveSettings, Status, Timings

T = TypeVar("T")
Emit = Callable[[ev.SolveEvent], None]
#: How long `result_so_far` waits for a cancelled model call or judge run to return.
WORKER_STOP_WAIT_S = 30.0


@dataclass(frozen=True)
class _Spec:
    """A candidate about to be generated."""

    id: str
    kind: Literal["draft", "revision"]
    parent_id: str | None
    messages: tuple[Message, ...]
    feedback: str = ""


class Solver:
    """Drafts, tests, critiques and revises solutions to one problem at a time."""

    def __init__(self, generator: Engine, critic: Engine | None, judge: JudgeLike,
                 settings: SolveSettings) -> None:
        self.generator = generator
        self.critic = critic
        self.judge = judge
        self.settings = settings
        self._reset()

    def _reset(self) -> None:
        self._candidates: list[Candidate] = []
        self._budget = Budget(self.settings.token_budget, self.settings.time_budget_s)
        self.steps = CandidateSteps(self.settings, self.critic, self.judge, self._budget, self.next_seed)
        self._outside_cancel: threading.Event | None = None
        self._rounds = 0
        self._result: SolveResult | None = None
        self._worker: threading.Thread | None = None
        self._seed_counter = 0
        self._base_seed = 0
        # generated tests need programs run on stdin (not the functional judge of LeetCode-style problems)
        self._generated = GeneratedTests(self.judge, self.settings, loop_access(self)) \
            if self.settings.stress_on and isinstance(self.judge, ProgramJudge) else None

    # ---- public API -------------------------------------------------------------------------------

    @property
    def budget(self) -> Budget:
        """What the current solve has spent (its `cancel` stops model calls and judge runs)."""
        return self._budget

    @property
    def pipelined(self) -> bool:
        """Whether a round's candidates move on one by one (engines that batch continuously)."""
        engines = [self.generator] + ([self.critic] if self.uses_critic and self.critic else [])
        return all(engine.continuous for engine in engines)

    @property
    def uses_critic(self) -> bool:
        """Whether candidates are critiqued (never for `single`, never without a critic engine)."""
        return self.settings.use_critic and self.critic is not None and self.settings.strategy != "single"

    def solve(self, problem: Problem, tests: Sequence[TestCase],
              cancel: threading.Event | None = None) -> Iterator[ev.SolveEvent]:
        """Solve `problem` against `tests`; yields events, `SolveFinished` last.

        Raises ProblemError at once when nothing could judge a candidate (no tests and no critic).
        """
        if not tests and not self.uses_critic:
            why = ("the single strategy uses no critic" if self.settings.strategy == "single"
                   else "the critic is off")
            raise ProblemError(f"no tests and {why}: nothing can judge a candidate",
                               path=problem.source,
                               hint="add samples to the statement, pass --tests DIR, or use the critic")
        self._reset()
        self.steps.tests = tuple(tests)
        self._outside_cancel = cancel
        self._base_seed = self.settings.seed if self.settings.seed is not None else random.randrange(2**31)
        return self._run(problem)

    def result_so_far(self) -> SolveResult:
        """The final result, or, while a solve is still running (Ctrl-C), the best so far as cancelled."""
        if self._result is not None:
            return self._result
        self._budget.cancel.set()
        # let a model call or judge run still going on the worker stop before engines get closed
        if self._worker is not None and self._worker is not threading.current_thread():
            self._worker.join(WORKER_STOP_WAIT_S)
        return self._make_result("cancelled", "cancelled")

    # ---- the loop ---------------------------------------------------------------------------------

    def _run(self, problem: Problem) -> Iterator[ev.SolveEvent]:
        settings = self.settings
        self._budget.start()
        try:
            yield ev.SolveStarted(
                problem_title=problem.title, language=settings.language.value, strategy=settings.strategy,
                n=self._draft_count(), tests=len(self.steps.tests), critic=self.uses_critic,
                generator=self.generator.info.describe(),
                critic_model=self.critic.info.describe() if self.uses_critic and self.critic else None)
            accepted = yield from self._round(problem, 0, self._draft_specs(problem))
            stop: str | None = None
            max_rounds = settings.rounds if settings.strategy == "loop" else 0
            while accepted is None:
                stop = self._stop_reason()
                if stop is not None:
                    break
                if self._rounds >= max_rounds:
                    stop = "rounds"
                    break
                self._rounds += 1
                specs = self._revision_specs(problem)
                yield ev.RevisionPlanned(round=self._rounds,
                                         parent_ids=tuple(s.parent_id or "" for s in specs),
                                         feedback=tuple(s.feedback for s in specs))
                accepted = yield from self._round(problem, self._rounds, specs)
            if accepted is not None:
                self._result = self._make_result("accepted", None, accepted)
            else:
                if stop in ("rounds", "tokens", "time"):
                    yield ev.BudgetExhausted(reason=stop)  # type: ignore[arg-type]
                status: Status = "cancelled" if stop == "cancelled" else "budget_exhausted"
                self._result = self._make_result(status, stop)
            yield ev.SolveFinished(result=self._result)
        finally:
            self._budget.stop()

    def _stop_reason(self) -> str | None:
        if self._budget.timed_out:
            return "time"
        outside = self._outside_cancel is not None and self._outside_cancel.is_set()
        if self._budget.cancel.is_set() or outside:
            return "cancelled"
        if self._budget.tokens_exhausted:
            return "tokens"
        return None

    def _draft_count(self) -> int:
        return 1 if self.settings.strategy == "single" else self.settings.n

    def next_seed(self) -> int:
        seed = self._base_seed + self._seed_counter
        self._seed_counter += 1
        return seed

    def _draft_specs(self, problem: Problem) -> list[_Spec]:
        messages = generator_messages(problem, self.settings.language)
        return [_Spec(self._new_id(i), "draft", None, messages) for i in range(self._draft_count())]

    def _new_id(self, offset: int = 0) -> str:
        return f"c{len(self._candidates) + offset + 1}"

    def _revision_specs(self, problem: Problem) -> list[_Spec]:
        count = max(1, min(self.settings.revise_top, self._draft_count()))
        parents = ranked(self._candidates, self.settings.select)[:count]
        specs = []
        for offset, parent in enumerate(parents):
            feedback = ((self._generated and self._generated.feedback(parent))
                        or candidate_feedback(parent, self.settings.language, len(self.steps.tests)))
            messages = reviser_messages(problem, parent.code, feedback, self.settings.language)
            specs.append(_Spec(self._new_id(offset), "revision", parent.id, messages, feedback))
        return specs

    def _round(self, problem: Problem, round_no: int, specs: Sequence[_Spec],
               ) -> Generator[ev.SolveEvent, None, Candidate | None]:
        """Draft (or revise), test and critique one round's candidates; the accepted one or None.

        With engines that batch continuously, each candidate moves on by itself (`solve.pipeline`):
        its tests start when its draft ends and its critique joins the batch when it passes them.
        Otherwise each phase runs over the whole round. Generated tests need every candidate of the
        round: they run after the drafts and tests either way."""
        max_tokens = self._budget.max_tokens_each(self.settings.max_tokens, len(specs))
        fresh = (yield from self._start_candidates(round_no, specs)) if max_tokens > 0 else []
        if fresh and self.pipelined:
            yield from self._stream(lambda emit: RoundPipeline(self, problem, fresh, max_tokens, emit).run())
        elif fresh:
            yield from self._produce(fresh, max_tokens)
        if fresh and self._stop_reason() not in ("time", "cancelled"):
            if not self.pipelined:
                yield from self._test_all(fresh)
            if self._generated is not None and self._stop_reason() not in ("time", "cancelled"):
                added = yield from self._generated.check(problem, self.steps.tests, fresh, self._candidates)
                self.steps.tests += tuple(added)
            if self.uses_critic and self._stop_reason() not in ("time", "cancelled"):
                yield from self._critique_all(problem, [c for c in fresh if not c.critiqued])
        accepted = [c for c in fresh if self._acceptable(c)]
        best = best_of(accepted, self.settings.select) if accepted else None
        leader = best or best_of(self._candidates, self.settings.select)
        yield ev.RoundFinished(round=round_no, best_id=leader.id if leader is not None else None,
                               generated_tokens=self._budget.generated_tokens,
                               elapsed_s=self._budget.elapsed())
        return best

    def _acceptable(self, candidate: Candidate) -> bool:
        if not candidate.passes_all(len(self.steps.tests)):
            return False
        if candidate.generated is not None and candidate.generated.eliminated:
            return False
        return not self.uses_critic or candidate.critic_verdict == "right"

    # ---- phases -----------------------------------------------------------------------------------

    def _start_candidates(self, round_no: int, specs: Sequence[_Spec],
                          ) -> Generator[ev.SolveEvent, None, list[Candidate]]:
        fresh: list[Candidate] = []
        for spec in specs:
            candidate = Candidate(id=spec.id, round=round_no, kind=spec.kind, parent_id=spec.parent_id,
                                  prompt=spec.messages)
            fresh.append(candidate)
            self._candidates.append(candidate)
            if spec.parent_id is not None:
                next(c for c in self._candidates if c.id == spec.parent_id).revised_by.append(spec.id)
            yield ev.CandidateStarted(candidate_id=spec.id, round=round_no, kind=spec.kind,
                                      parent_id=spec.parent_id)
        return fresh

    def _produce(self, fresh: list[Candidate], max_tokens: int) -> Generator[ev.SolveEvent, None, None]:
        requests = [self.steps.draft_request(c, max_tokens) for c in fresh]
        start = time.perf_counter()
        results = yield from self._generate(self.generator, requests, [c.id for c in fresh], "draft")
        self.steps.timings["generate"] += time.perf_counter() - start
        for candidate, result in zip(fresh, results, strict=True):
            yield self.steps.record_draft(candidate, result)

    def _test_all(self, fresh: Sequence[Candidate]) -> Generator[ev.SolveEvent, None, None]:
        if not self.steps.needs_testing:
            return
        for candidate in fresh:
            if not candidate.runnable or self._stop_reason() in ("time", "cancelled"):
                continue
            yield (yield from self._stream(partial(self.steps.test_candidate, candidate)))

    def _critique_all(self, problem: Problem,
                      fresh: Sequence[Candidate]) -> Generator[ev.SolveEvent, None, None]:
        critic = self.critic
        assert critic is not None
        chosen = [c for c in fresh if self.steps.wants_critique(c)]
        if not chosen:
            return
        max_tokens = self._budget.max_tokens_each(self.settings.critic_max_tokens, len(chosen))
        if max_tokens <= 0:
            return
        requests = [self.steps.critique_request(problem, c, max_tokens) for c in chosen]
        for candidate in chosen:
            yield ev.CritiqueStarted(candidate_id=candidate.id)
        start = time.perf_counter()
        results = yield from self._generate(critic, requests, [c.id for c in chosen], "critique")
        for candidate, request, result in zip(chosen, requests, results, strict=True):
            yield self.steps.record_critique(candidate, request, result)
        self.steps.timings["critique"] += time.perf_counter() - start

    # ---- streaming from a worker thread ----------------------------------------------------------

    def _generate(self, engine: Engine, requests: list[GenerationRequest], ids: list[str],
                  phase: str) -> Generator[ev.SolveEvent, None, list[GenerationResult]]:
        counts = [0] * len(requests)

        def work(emit: Emit) -> list[GenerationResult]:
            def on_chunk(index: int, text: str) -> None:
                counts[index] += 1
                emit(ev.TokensGenerated(candidate_id=ids[index], text=text, tokens_so_far=counts[index],
                                        phase=phase))  # type: ignore[arg-type]

            return engine.generate_batch(requests, on_chunk, self._budget.cancel)

        return (yield from self._stream(work))

    def _stream(self, work: Callable[[Emit], T]) -> Generator[ev.SolveEvent, None, T]:
        return (yield from stream_from_worker(work, self._budget.cancel, self._outside_cancel,
                                              on_start=self._set_worker))

    def _set_worker(self, worker: threading.Thread) -> None:
        self._worker = worker

    # ---- results ----------------------------------------------------------------------------------

    def _make_result(self, status: Status, stop_reason: str | None,
                     chosen: Candidate | None = None) -> SolveResult:
        best = chosen or best_of(self._candidates, self.settings.select)
        if status != "accepted" and (best is None or best.code is None) and status != "cancelled":
            status = "no_candidate"
        total = len(self.steps.tests)
        timings = self.steps.timings
        return SolveResult(
            status=status,
            language=self.settings.language,
            code=best.code if best is not None else None,
            best_id=best.id if best is not None else None,
            rounds=self._rounds,
            candidates=tuple(c.summary(total) for c in self._candidates),
            generated_tokens=self._budget.generated_tokens,
            prompt_tokens=self._budget.prompt_tokens,
            timings=Timings(generate_s=timings["generate"], critique_s=timings["critique"],
                            test_s=timings["test"], total_s=self._budget.elapsed()),
            stop_reason=stop_reason,
            stress=self._generated.summary() if self._generated is not None else None,
        )
