"""Which candidate is most promising: most tests passed, then the critic, by one of two rules.

- `p-right` (ocr's default): the critic's probability of "right" at its verdict.
- `shortest-critique` (the paper's rule, OpenCodeReasoning-II Appendix A): among the candidates the
  critic judged right, the one whose critique reasoning is shortest (a confident critic writes less);
  candidates not judged right rank below them, by p(right).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ocr_cli.engines.base import Message
from ocr_cli.judge.types import JudgeReport, Verdict
from ocr_cli.solve.types import CandidateSummary, CriticVerdict, Selection

SELECTIONS: tuple[Selection, ...] = ("p-right", "shortest-critique")


@dataclass
class Candidate:
    """One candidate solution as the solver tracks it (mutable while the solve runs)."""

    id: str
    round: int
    kind: str  # "draft" | "revision"
    parent_id: str | None
    prompt: tuple[Message, ...] = ()
    response: str = ""
    reasoning: str | None = None
    code: str | None = None
    syntax_error: str | None = None
    finish_reason: str = "stop"
    report: JudgeReport | None = None
    critique: str | None = None
    critic_verdict: CriticVerdict | None = None
    critic_p_right: float | None = None
    critique_length: int | None = None  # characters of the critique's reasoning (`critique_reasoning`)
    critiqued: bool = False
    revised_by: list[str] = field(default_factory=list)

    @property
    def runnable(self) -> bool:
        """Has code that parses (so it can be tested)."""
        return self.code is not None and self.syntax_error is None

    @property
    def tests_passed(self) -> int:
        return self.report.passed if self.report is not None else 0

    def passes_all(self, total: int) -> bool:
        """Passes every local test (vacuously true when there are none, the code is runnable and, if it
        was judged on no tests (C++ is compiled all the same), it compiled)."""
        if not self.runnable:
            return False
        if total == 0:
            return self.report is None or self.report.verdict is Verdict.AC
        return self.report is not None and self.report.verdict is Verdict.AC and self.report.passed == total

    def summary(self, tests_total: int) -> CandidateSummary:
        return CandidateSummary(
            id=self.id,
            round=self.round,
            verdict=self.report.verdict.value if self.report is not None else None,
            tests_passed=self.tests_passed,
            tests_total=tests_total,
            critic=self.critic_verdict,
            critic_p_right=self.critic_p_right,
            parent_id=self.parent_id,
            syntax_error=self.syntax_error,
        )


def rank_key(candidate: Candidate) -> tuple[int, int, float]:
    """Sort key of `p-right`, larger is better: runnable code, tests passed, then the critic's p(right)
    (its verdict stands in when the engine could not score: right 0.75, wrong 0.25; not critiqued 0.5)."""
    p_right = candidate.critic_p_right
    if p_right is None:
        p_right = {"right": 0.75, "wrong": 0.25}.get(candidate.critic_verdict or "", 0.5)
    runnable = 1 if candidate.runnable else (0 if candidate.code is not None else -1)
    return (runnable, candidate.tests_passed, p_right)


def shortest_critique_key(candidate: Candidate) -> tuple[int, int, int, float]:
    """Sort key of `shortest-critique`, larger is better: runnable code, tests passed, judged right,
    then the shorter critique reasoning (among those judged right) or p(right) (among the rest)."""
    runnable, passed, p_right = rank_key(candidate)
    if candidate.critic_verdict == "right" and candidate.critique_length is not None:
        return (runnable, passed, 1, -float(candidate.critique_length))
    return (runnable, passed, 0, p_right)


def ranked(candidates: Iterable[Candidate], select: Selection = "p-right") -> list[Candidate]:
    """Best first under the selection rule; ties keep the earlier candidate first."""
    if select == "shortest-critique":
        return sorted(candidates, key=shortest_critique_key, reverse=True)
    return sorted(candidates, key=rank_key, reverse=True)


def best_of(candidates: Iterable[Candidate], select: Selection = "p-right") -> Candidate | None:
    """The most promising candidate under the selection rule, or None when there are none."""
    order = ranked(candidates, select)
    return order[0] if order else None
