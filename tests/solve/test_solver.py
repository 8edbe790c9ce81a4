"""The solve loop through every path, with the scripted engine and the real judge."""

from __future__ import annotations

import threading

import pytest

from ocr_cli.engines.scripted import ScriptedEngine, ScriptedReply
from ocr_cli.errors import ProblemError
from ocr_cli.solve import events as ev
from ocr_cli.solve.solver import Solver
from ocr_cli.solve.types import SolveResult, SolveSettings

from .helpers import (
    BROKEN,
    PROBLEM,
    RIGHT,
    TESTS,
    WRONG,
    BatchRecordingEngine,
    critique,
    draft,
    judge,
    revision,
    round_mode,  # noqa: F401 - autouse: every test runs staged and pipelined
)


def run(solver: Solver, tests: tuple = TESTS, cancel: threading.Event | None = None,
        ) -> tuple[SolveResult, list[ev.SolveEvent]]:
    events = list(solver.solve(PROBLEM, tests, cancel))
    last = events[-1]
    assert isinstance(last, ev.SolveFinished)
    return last.result, events


def of_type(events: list[ev.SolveEvent], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def test_accepted_in_round_zero_with_one_batch_of_drafts_and_distinct_seeds() -> None:
    engine = BatchRecordingEngine([draft(RIGHT, repeat=True), critique("right", repeat=True)],
                                  scores=[[0.7, 0.3], [0.9, 0.1], [0.8, 0.2]])
    result, events = run(Solver(engine, engine, judge(), SolveSettings(n=3, seed=10)))
    assert result.status == "accepted"
    assert result.rounds == 0
    assert result.code == RIGHT
    assert result.best_id == "c2"  # the highest p(right) among candidates passing all tests
    drafts, *later = engine.batches  # staged: one batch of critiques; pipelined: as tests pass
    critiques = [request for batch in later for request in batch]
    assert len(drafts) == 3 and len(critiques) == 3
    assert [r.params.seed for r in drafts] == [10, 11, 12]
    assert [r.params.seed for r in critiques] == [13, 14, 15]  # in candidate order either way
    # the critic sees the final code, never the draft's reasoning
    assert RIGHT.strip() in critiques[0].messages[0].content
    assert "I add them." not in critiques[0].messages[0].content
    assert all(c.tests_passed == 2 and c.critic == "right" for c in result.candidates)
    assert of_type(events, ev.CandidateDrafted)[0].reasoning == "I add them."
    assert of_type(events, ev.CaseJudged)  # cases streamed while judging


def test_revision_fixes_a_failing_test_and_is_told_the_failure() -> None:
    engine = ScriptedEngine([draft(WRONG, repeat=True), revision(RIGHT, repeat=True),
                             critique("right", repeat=True)])
    result, events = run(Solver(engine, engine, judge(), SolveSettings(n=2, seed=1)))
    assert result.status == "accepted"
    assert result.rounds == 1
    assert result.code == RIGHT
    best = next(c for c in result.candidates if c.id == result.best_id)
    assert best.round == 1 and best.parent_id in {"c1", "c2"}
    planned = of_type(events, ev.RevisionPlanned)[0]
    assert "Expected output:\n3" in planned.feedback[0]
    assert "Actual output:\n-1" in planned.feedback[0]
    reviser_prompt = next(r for r in engine.requests if "Previous solution" in r.messages[0].content)
    assert "Expected output:\n3" in reviser_prompt.messages[0].content
    assert "print(a - b)" in reviser_prompt.messages[0].content
    # wrong drafts are not critiqued: only the two revisions were
    assert len(of_type(events, ev.CritiqueFinished)) == 2


def test_critic_rejects_a_passing_candidate_and_the_revision_is_accepted() -> None:
    engine = ScriptedEngine([draft(RIGHT), revision(RIGHT),
                             critique("wrong", text="It overflows for big inputs."),
                             critique("right")])
    result, _ = run(Solver(engine, engine, judge(), SolveSettings(n=1, seed=1)))
    assert result.status == "accepted"
    assert [c.critic for c in result.candidates] == ["wrong", "right"]
    assert result.best_id == "c2"
    reviser_prompt = next(r for r in engine.requests if "Previous solution" in r.messages[0].content)
    assert "It overflows for big inputs." in reviser_prompt.messages[0].content
    assert "passes all 2 tests" in reviser_prompt.messages[0].content


def test_rounds_budget_runs_out_and_the_best_candidate_is_still_returned() -> None:
    engine = ScriptedEngine([draft(WRONG, repeat=True), revision(BROKEN, repeat=True)])
    result, events = run(Solver(engine, None, judge(), SolveSettings(n=1, rounds=2, seed=1)))
    assert result.status == "budget_exhausted"
    assert result.stop_reason == "rounds"
    assert result.rounds == 2
    assert result.code == WRONG  # the runnable draft ranks above the broken revisions
    assert of_type(events, ev.BudgetExhausted) == [ev.BudgetExhausted(reason="rounds")]


def test_token_budget_limits_generation_and_stops_the_loop() -> None:
    long_wrong = "Let me think about this problem for a while. " * 5 + "\n```python\n" + WRONG + "```\n"
    engine = BatchRecordingEngine([ScriptedReply(long_wrong, repeat=True)])
    settings = SolveSettings(n=2, rounds=5, token_budget=60, max_tokens=1000, use_critic=False, seed=1)
    result, events = run(Solver(engine, None, judge(), settings))
    assert result.stop_reason == "tokens"
    assert result.status in ("budget_exhausted", "no_candidate")
    assert result.generated_tokens <= 60
    assert engine.batches[0][0].params.max_tokens == 30  # the budget split over the batch
    assert of_type(events, ev.BudgetExhausted) == [ev.BudgetExhausted(reason="tokens")]


def test_time_budget_stops_a_slow_generation_and_keeps_the_best() -> None:
    engine = ScriptedEngine([draft(WRONG), ScriptedReply("word " * 400, repeat=True)], delay_s=0.01)
    settings = SolveSettings(n=1, rounds=3, time_budget_s=1.0, use_critic=False, seed=1)
    result, events = run(Solver(engine, None, judge(), settings))
    assert result.stop_reason == "time"
    assert result.status == "budget_exhausted"
    assert result.code == WRONG
    drafted = of_type(events, ev.CandidateDrafted)
    assert drafted[-1].finish_reason == "cancelled"
    assert result.timings.total_s < 10


def test_no_tests_and_no_critic_is_refused_before_any_generation() -> None:
    engine = ScriptedEngine([])
    with pytest.raises(ProblemError, match="no tests"):
        Solver(engine, None, judge(), SolveSettings()).solve(PROBLEM, [])
    with pytest.raises(ProblemError, match="single"):
        Solver(engine, engine, judge(), SolveSettings(strategy="single")).solve(PROBLEM, [])
    assert engine.requests == []


def test_syntax_error_is_fed_back_without_running_the_tests() -> None:
    engine = ScriptedEngine([draft(BROKEN), revision(RIGHT), critique("right")])
    result, events = run(Solver(engine, engine, judge(), SolveSettings(n=1, seed=1)))
    assert result.status == "accepted"
    first = of_type(events, ev.CandidateDrafted)[0]
    assert first.syntax_error is not None and "line 1" in first.syntax_error
    assert [e.candidate_id for e in of_type(events, ev.CandidateTested)] == ["c2"]
    reviser_prompt = next(r for r in engine.requests if "Previous solution" in r.messages[0].content)
    assert "syntax error at line 1" in reviser_prompt.messages[0].content


def test_critique_without_a_verdict_is_no_verdict_and_never_accepted() -> None:
    engine = ScriptedEngine([draft(RIGHT, repeat=True), revision(RIGHT, repeat=True),
                             critique(None, repeat=True, text="Looks right to me, I think.")],
                            scores=[[0.6, 0.4], [0.55, 0.45]])
    result, events = run(Solver(engine, engine, judge(), SolveSettings(n=1, rounds=1, seed=1)))
    assert result.status == "budget_exhausted"
    finished = of_type(events, ev.CritiqueFinished)
    assert [f.verdict for f in finished] == [None, None]
    assert finished[0].p_right == pytest.approx(0.6)
    prefix = engine.score_requests[0][0].assistant_prefix
    assert prefix.endswith("\n<judgement>") and prefix.startswith("Looks right")
    assert result.code == RIGHT  # still the best candidate found


def test_select_picks_by_tests_then_critic_confidence_without_revising() -> None:
    engine = ScriptedEngine([draft(WRONG), draft(RIGHT), draft(RIGHT), critique("wrong"), critique("right")],
                            scores=[[0.2, 0.8], [0.9, 0.1]])
    result, events = run(Solver(engine, engine, judge(), SolveSettings(strategy="select", n=3, seed=1)))
    assert result.status == "accepted"
    assert result.best_id == "c3"
    assert not of_type(events, ev.RevisionPlanned)


def test_single_drafts_once_and_asks_no_critic() -> None:
    engine = BatchRecordingEngine([draft(WRONG, repeat=True), critique("right", repeat=True)])
    result, events = run(Solver(engine, engine, judge(), SolveSettings(strategy="single", n=4, seed=1)))
    assert result.status == "budget_exhausted"
    assert len(result.candidates) == 1
    assert len(engine.batches) == 1 and len(engine.batches[0]) == 1
    assert not of_type(events, ev.CritiqueStarted)


def test_without_tests_the_critic_decides() -> None:
    engine = ScriptedEngine([draft(WRONG), critique("right")])
    result, _ = run(Solver(engine, engine, judge(), SolveSettings(n=1, seed=1)), tests=())
    assert result.status == "accepted"
    assert result.candidates[0].tests_total == 0


def test_result_so_far_while_running_is_cancelled_with_the_best_code() -> None:
    engine = ScriptedEngine([draft(WRONG, repeat=True), revision(WRONG, repeat=True)])
    solver = Solver(engine, None, judge(), SolveSettings(n=1, seed=1, use_critic=False))
    for event in solver.solve(PROBLEM, TESTS):
        if isinstance(event, ev.CandidateTested):
            break
    partial = solver.result_so_far()
    assert partial.status == "cancelled"
    assert partial.code == WRONG


def test_outside_cancel_stops_the_solve() -> None:
    engine = ScriptedEngine([ScriptedReply("word " * 300, repeat=True)], delay_s=0.01)
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    result, _ = run(Solver(engine, None, judge(), SolveSettings(n=1, use_critic=False)), cancel=cancel)
    assert result.status == "cancelled"


def test_result_so_far_waits_for_the_cancelled_model_call_to_return() -> None:
    class TrackingEngine(ScriptedEngine):
        busy = False

        def generate_batch(self, requests, on_chunk=None, cancel=None):  # type: ignore[no-untyped-def]
            self.busy = True
            try:
                return super().generate_batch(requests, on_chunk, cancel)
            finally:
                self.busy = False

    engine = TrackingEngine([ScriptedReply("word " * 500, repeat=True)], delay_s=0.01)
    solver = Solver(engine, None, judge(), SolveSettings(n=1, use_critic=False))
    for event in solver.solve(PROBLEM, TESTS):
        if isinstance(event, ev.TokensGenerated):
            break
    assert engine.busy
    assert solver.result_so_far().status == "cancelled"
    assert not engine.busy  # safe to close the engine now


def test_shortest_critique_selects_like_the_paper_with_the_critic_at_temperature_0_6() -> None:
    from ocr_cli.config import load_settings
    from ocr_cli.solve.setup import solve_settings_from

    settings = solve_settings_from(load_settings({"select": "shortest-critique", "strategy": "select",
                                                  "n": 3, "seed": 1, "stress": False}, environ={}), None)
    assert settings.critic_temperature == 0.6
    engine = BatchRecordingEngine([draft(RIGHT, repeat=True),
                                   critique("right", text="<think>" + "checking " * 50 + "</think>ok"),
                                   critique("right", text="<think>fine</think>ok"),
                                   critique("right", text="<think>" + "hmm " * 20 + "</think>ok")],
                                  scores=[[0.9, 0.1], [0.5, 0.5], [0.8, 0.2]])
    result, _ = run(Solver(engine, engine, judge(), settings))
    assert result.status == "accepted"
    assert result.best_id == "c2"  # the shortest critique, though its p(right) is the lowest
    assert {r.params.temperature for r in engine.batches[1]} == {0.6}
    assert {r.params.temperature for r in engine.batches[0]} == {settings.temperature}
    same = ScriptedEngine([draft(RIGHT, repeat=True), critique("right", repeat=True)],
                          scores=[[0.9, 0.1], [0.5, 0.5], [0.8, 0.2]])
    default = Solver(same, same, judge(), SolveSettings(strategy="select", n=3, seed=1))
    assert run(default)[0].best_id == "c1"  # p-right: the highest p(right)
