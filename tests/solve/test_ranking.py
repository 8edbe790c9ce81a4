"""Ranking candidates: runnable code, then tests passed, then the critic's confidence."""

from __future__ import annotations

from ocr_cli.judge.types import CaseResult, JudgeReport, Verdict
from ocr_cli.solve.ranking import Candidate, best_of, ranked


def candidate(cid: str, passed: int = 0, p_right: float | None = None, verdict: str | None = None,
              code: str | None = "print(1)\n", syntax_error: str | None = None) -> Candidate:
    cases = tuple(CaseResult(str(i), Verdict.AC if i < passed else Verdict.WA) for i in range(3))
    report = JudgeReport(Verdict.AC if passed == 3 else Verdict.WA, cases)
    return Candidate(id=cid, round=0, kind="draft", parent_id=None, code=code, syntax_error=syntax_error,
                     report=report if code and not syntax_error else None, critic_p_right=p_right,
                     critic_verdict=verdict)  # type: ignore[arg-type]


def test_tests_passed_outrank_critic_confidence() -> None:
    order = ranked([candidate("a", passed=1, p_right=0.99), candidate("b", passed=3, p_right=0.1),
                    candidate("c", passed=2)])
    assert [c.id for c in order] == ["b", "c", "a"]


def test_confidence_breaks_ties_and_verdict_stands_in_without_a_score() -> None:
    order = ranked([candidate("a", 3, p_right=0.4, verdict="right"), candidate("b", 3, p_right=0.6,
                    verdict="wrong"), candidate("c", 3, verdict="right"), candidate("d", 3)])
    assert [c.id for c in order] == ["c", "b", "d", "a"]


def test_unrunnable_candidates_rank_last_and_ties_keep_order() -> None:
    order = ranked([candidate("none", code=None), candidate("broken", syntax_error="line 1"),
                    candidate("x"), candidate("y")])
    assert [c.id for c in order] == ["x", "y", "broken", "none"]
    assert best_of([]) is None


def test_shortest_critique_picks_the_shortest_among_those_judged_right() -> None:
    short, long_, wrong = (candidate("short", 3, p_right=0.6, verdict="right"),
                           candidate("long", 3, p_right=0.9, verdict="right"),
                           candidate("wrong", 3, p_right=0.95, verdict="wrong"))
    short.critique_length, long_.critique_length, wrong.critique_length = 40, 400, 10
    assert [c.id for c in ranked([long_, wrong, short], "shortest-critique")] == ["short", "long", "wrong"]
    assert [c.id for c in ranked([long_, wrong, short], "p-right")] == ["wrong", "long", "short"]
    # tests still come first under either rule
    failing = candidate("failing", 2, verdict="right")
    failing.critique_length = 1
    assert best_of([failing, long_], "shortest-critique") is long_
