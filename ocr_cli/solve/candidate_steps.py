"""What happens to one candidate, whichever way a round runs.

`Solver` runs a round as whole phases (every draft, then every test, then every critique);
`RoundPipeline` moves each candidate on by itself. Both take the same steps from here: the requests
a candidate needs, and what its answer, its test report and its critique change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from ocr_cli.code.extract import extract_code
from ocr_cli.code.syntax import gate_issue
from ocr_cli.engines.base import Engine, GenerationRequest, GenerationResult
from ocr_cli.judge.types import CaseResult, JudgeReport
from ocr_cli.language import Language
from ocr_cli.problem.types import Problem, TestCase
from ocr_cli.prompts import critic_messages
from ocr_cli.solve import events as ev
from ocr_cli.solve.budget import Budget
from ocr_cli.solve.critic import VERDICT_SCORING, critique_reasoning, read_critique
from ocr_cli.solve.ranking import Candidate
from ocr_cli.solve.types import SolveSettings

Emit = Callable[[ev.SolveEvent], None]


class JudgeLike(Protocol):
    """What the solver needs of `ocr_cli.judge.runner.Judge`."""

    def run(self, source: str, language: Language, tests: Sequence[TestCase], *,
            on_case: Callable[[CaseResult], None] | None = None, stop_after_failure: bool = False,
            cancel: threading.Event | None = None) -> JudgeReport: ...


class CandidateSteps:
    """The steps of one solve's candidates; `tests` are the local tests (generated ones join them)."""

    def __init__(self, settings: SolveSettings, critic: Engine | None, judge: JudgeLike, budget: Budget,
                 seeds: Callable[[], int]) -> None:
        self.settings = settings
        self.critic = critic
        self.judge = judge
        self.budget = budget
        self._seeds = seeds
        self.tests: tuple[TestCase, ...] = ()
        self.timings = {"generate": 0.0, "critique": 0.0, "test": 0.0}

    def draft_request(self, candidate: Candidate, max_tokens: int) -> GenerationRequest:
        """The generation request of a candidate about to be drafted (or revised)."""
        return GenerationRequest(messages=candidate.prompt,
                                 params=self.settings.sampling(max_tokens, self._seeds()))

    def record_draft(self, candidate: Candidate, result: GenerationResult) -> ev.CandidateDrafted:
        """Take a candidate's generated answer: spend its tokens, extract and gate its code."""
        self.budget.spend(result.completion_tokens, result.prompt_tokens)
        extraction = extract_code(result.text, self.settings.language)
        reasoning = extraction.reasoning
        if result.reasoning:
            reasoning = result.reasoning + ("\n\n" + reasoning if reasoning else "")
        candidate.response = result.text
        if result.error is not None:
            candidate.response += f"\n[error: {result.error}]"
        candidate.reasoning = reasoning
        candidate.code = extraction.code
        candidate.finish_reason = result.finish_reason
        if extraction.code is not None:
            issue = gate_issue(extraction.code, self.settings.language)
            candidate.syntax_error = issue.describe() if issue is not None else None
        return ev.CandidateDrafted(
            candidate_id=candidate.id, round=candidate.round, prompt=candidate.prompt, response=result.text,
            reasoning=reasoning, code=candidate.code, syntax_error=candidate.syntax_error,
            prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens,
            finish_reason=result.finish_reason, elapsed_s=result.elapsed_s)

    @property
    def needs_testing(self) -> bool:
        """Whether candidates are run at all (without tests, C++ is still compiled: the compiler is
        its syntax check)."""
        return bool(self.tests) or self.settings.language is Language.CPP

    def test_candidate(self, candidate: Candidate, emit: Emit) -> ev.CandidateTested:
        """Run a candidate on the local tests (case results go to `emit` as they come)."""
        cid = candidate.id
        start = time.perf_counter()
        report = self.judge.run(candidate.code or "", self.settings.language, self.tests,
                                on_case=lambda case: emit(ev.CaseJudged(candidate_id=cid, case=case)),
                                cancel=self.budget.cancel)
        elapsed = time.perf_counter() - start
        self.timings["test"] += elapsed
        candidate.report = report
        return ev.CandidateTested(candidate_id=cid, report=report, elapsed_s=elapsed)

    def wants_critique(self, candidate: Candidate) -> bool:
        """Whether a candidate is critiqued: it passes every local test."""
        return candidate.passes_all(len(self.tests))

    def critique_request(self, problem: Problem, candidate: Candidate, max_tokens: int,
                         seed: int | None = None) -> GenerationRequest:
        """The critic's request for a candidate (scored at its verdict)."""
        seed = self._seeds() if seed is None else seed
        return GenerationRequest(critic_messages(problem, candidate.code or "", self.settings.language),
                                 self.settings.critic_sampling(max_tokens, seed), score_at=VERDICT_SCORING)

    def record_critique(self, candidate: Candidate, request: GenerationRequest,
                        result: GenerationResult) -> ev.CritiqueFinished:
        """Take a candidate's critique: spend its tokens, read its verdict (and p(right))."""
        critic = self.critic
        assert critic is not None
        self.budget.spend(result.completion_tokens + result.scoring_tokens, result.prompt_tokens)
        scoring_start = time.perf_counter()
        critique = read_critique(critic, request.messages, result.text, result.choice_probabilities)
        candidate.critique = result.text
        candidate.critiqued = True
        candidate.critic_verdict = critique.verdict
        candidate.critic_p_right = critique.p_right
        candidate.critique_length = len(critique_reasoning(result.text))
        return ev.CritiqueFinished(
            candidate_id=candidate.id, prompt=request.messages, response=result.text,
            verdict=critique.verdict, p_right=critique.p_right, prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            elapsed_s=result.elapsed_s + time.perf_counter() - scoring_start)

    def add_timing(self, phase: str, seconds: float) -> None:
        """Add to the time spent in a phase ("generate", "critique", "test")."""
        self.timings[phase] += seconds
