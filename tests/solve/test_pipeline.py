"""A round with engines that batch continuously: each candidate moves on as soon as it can.

The solver tests in test_solver.py and test_generated.py run in this mode too (their `round_mode`
fixture); these tests check what only this mode does.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

import pytest

from ocr_cli.engines.base import ChunkCallback, GenerationRequest, GenerationResult
from ocr_cli.engines.request_feed import RequestFeed
from ocr_cli.engines.scripted import ScriptedEngine
from ocr_cli.errors import EngineError
from ocr_cli.judge.types import CaseResult, JudgeReport
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase
from ocr_cli.solve import events as ev
from ocr_cli.solve.solver import Solver
from ocr_cli.solve.types import SolveSettings

from .helpers import CRITIC, PROBLEM, RIGHT, TESTS, WRONG, critique, draft, judge

#: Generous bound on waiting for something another thread does (never reached when things work).
PATIENCE_S = 60.0


class OneSlotEngine(ScriptedEngine):
    """Answers the requests of a feed one at a time in arrival order, like a server with one slot;
    before the draft keyed `hold` it waits until a critique request has arrived."""

    continuous = True

    def __init__(self, *args: object, hold: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.hold = hold
        self.answered: list[str] = []

    def generate_stream(self, feed: RequestFeed, on_result: Callable[[int, GenerationResult], None],
                        on_chunk: ChunkCallback | None = None, cancel: threading.Event | None = None) -> None:
        queued: deque[tuple[int, GenerationRequest]] = deque()
        closed = False
        while queued or not closed:
            items = feed.take(wait=not queued, cancel=cancel)
            closed = items is None
            queued.extend(items or ())
            if not queued:
                continue
            if queued[0][0] == self.hold:  # hold it until a critique comes (or patience runs out)
                self.hold = -1
                deadline = time.monotonic() + PATIENCE_S
                while not any(is_critique(r) for _, r in queued) and not closed \
                        and time.monotonic() < deadline:
                    time.sleep(0.01)
                    items = feed.take()
                    closed = items is None
                    queued.extend(items or ())
                queued = deque(sorted(queued, key=lambda item: not is_critique(item[1])))
            key, request = queued.popleft()
            self.answered.append("critique" if is_critique(request) else f"draft {key}")
            on_result(key, self.generate_batch([request])[0])


def is_critique(request: GenerationRequest) -> bool:
    return any(CRITIC in m.content for m in request.messages)


def finished(events: Sequence[ev.SolveEvent]) -> ev.SolveFinished:
    last = events[-1]
    assert isinstance(last, ev.SolveFinished)
    return last


def test_a_critique_starts_while_other_drafts_still_wait_for_a_slot() -> None:
    engine = OneSlotEngine([draft(RIGHT, repeat=True), critique("right", repeat=True)], hold=2)
    solver = Solver(engine, engine, judge(), SolveSettings(n=3, seed=1, strategy="select"))
    events = list(solver.solve(PROBLEM, TESTS))
    result = finished(events).result
    assert result.status == "accepted"
    # The first critique (of a draft that had passed its tests) took the slot before the last draft.
    assert engine.answered.index("critique") < engine.answered.index("draft 2")
    assert engine.answered.count("critique") == 3
    for candidate in ("c1", "c2", "c3"):  # each candidate's own events keep their order
        kinds = [type(e).__name__ for e in events if getattr(e, "candidate_id", None) == candidate
                 and not isinstance(e, ev.TokensGenerated | ev.CaseJudged)]
        assert kinds == ["CandidateStarted", "CandidateDrafted", "CandidateTested", "CritiqueStarted",
                         "CritiqueFinished"]


class Continuous(ScriptedEngine):
    continuous = True


def test_critiques_wait_for_running_drafts_when_the_token_budget_is_tight() -> None:
    engine = Continuous([draft(RIGHT, repeat=True), critique("right", repeat=True)])
    budget = 40  # two drafts of 20 tokens each would leave nothing; these are about 12 words
    solver = Solver(engine, engine, judge(), SolveSettings(n=2, seed=1, token_budget=budget,
                                                           critic_max_tokens=1000))
    events = list(solver.solve(PROBLEM, TESTS))
    result = finished(events).result
    assert result.generated_tokens <= budget
    critiques = [r for r in engine.requests if is_critique(r)]
    assert len(critiques) == 2
    # Granted once both drafts had ended: what they left, shared by the two critiques.
    drafted = sum(e.completion_tokens for e in events if isinstance(e, ev.CandidateDrafted))
    assert all(r.params.max_tokens == (budget - drafted) // 2 for r in critiques)


def test_a_critic_model_of_its_own_gets_only_the_critiques() -> None:
    generator = Continuous([draft(WRONG), draft(RIGHT)])
    critic = Continuous([critique("right", repeat=True)])
    solver = Solver(generator, critic, judge(), SolveSettings(n=2, seed=1))
    result = finished(list(solver.solve(PROBLEM, TESTS))).result
    assert result.status == "accepted" and result.best_id == "c2"
    assert not any(is_critique(r) for r in generator.requests)
    assert len(critic.requests) == 1  # only the draft that passed its tests


def test_a_failing_critic_fails_the_solve_instead_of_hanging() -> None:
    generator = Continuous([draft(RIGHT, repeat=True)])
    critic = Continuous([])  # no reply left: EngineError on the critic's thread
    solver = Solver(generator, critic, judge(), SolveSettings(n=2, seed=1))
    with pytest.raises(EngineError, match="no reply left"):
        list(solver.solve(PROBLEM, TESTS))


class ExplodingJudge:
    def run(self, source: str, language: Language, tests: Sequence[TestCase], *,
            on_case: Callable[[CaseResult], None] | None = None, stop_after_failure: bool = False,
            cancel: threading.Event | None = None) -> JudgeReport:
        raise RuntimeError("the judge broke")


def test_a_judge_failure_on_the_judge_thread_reaches_the_caller() -> None:
    engine = Continuous([draft(RIGHT, repeat=True), critique("right", repeat=True)])
    solver = Solver(engine, engine, ExplodingJudge(), SolveSettings(n=2, seed=1))
    with pytest.raises(RuntimeError, match="the judge broke"):
        list(solver.solve(PROBLEM, TESTS))


def test_an_outside_cancel_stops_a_pipelined_round_with_what_it_has() -> None:
    engine = Continuous([draft(RIGHT), critique("right", text="word " * 400)], delay_s=0.005)
    cancel = threading.Event()
    solver = Solver(engine, engine, judge(), SolveSettings(n=1, seed=1))
    events = []
    for event in solver.solve(PROBLEM, TESTS, cancel):
        events.append(event)
        if isinstance(event, ev.TokensGenerated) and event.phase == "critique":
            cancel.set()
    result = finished(events).result
    assert result.status == "cancelled"
    assert result.code == RIGHT
