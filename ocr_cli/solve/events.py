"""Typed events a solve yields. The rich view, the REPL, `--json`, the transcript and the benchmarks
are all consumers of this stream; the core never prints.

A solve yields, in order: `SolveStarted`; per round, `CandidateStarted` for each candidate,
`TokensGenerated` as text streams, `CandidateDrafted`, `CaseJudged`* and `CandidateTested`; with
generated tests on, `GeneratedTestsReady` (once) and `GeneratedTestsChecked` (and `CandidateTested`
again when a generated test joins the local tests); `CritiqueStarted`/`CritiqueFinished`;
`RoundFinished`; then `RevisionPlanned` before the next round, `BudgetExhausted` when a budget ran
out, and `SolveFinished` last, always.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ocr_cli.engines.base import Message
from ocr_cli.judge.types import CaseResult, JudgeReport
from ocr_cli.solve.types import CriticVerdict, SolveResult


@dataclass(frozen=True)
class SolveStarted:
    problem_title: str | None
    language: str
    strategy: str
    n: int
    tests: int  # local tests available
    critic: bool  # whether a critic will be asked
    generator: str  # EngineInfo.describe() of the generator
    critic_model: str | None


@dataclass(frozen=True)
class CandidateStarted:
    candidate_id: str
    round: int
    kind: Literal["draft", "revision"]
    parent_id: str | None = None


@dataclass(frozen=True)
class TokensGenerated:
    """Text streamed for a candidate (drafting) or its critique."""

    candidate_id: str
    text: str
    tokens_so_far: int
    phase: Literal["draft", "critique", "stress"] = "draft"


@dataclass(frozen=True)
class CandidateDrafted:
    candidate_id: str
    round: int
    prompt: tuple[Message, ...]
    response: str  # the raw answer
    reasoning: str | None  # <think> text or server-separated reasoning
    code: str | None  # extracted code, None when none could be found
    syntax_error: str | None
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    elapsed_s: float


@dataclass(frozen=True)
class CaseJudged:
    candidate_id: str
    case: CaseResult


@dataclass(frozen=True)
class CandidateTested:
    candidate_id: str
    report: JudgeReport
    elapsed_s: float


@dataclass(frozen=True)
class CritiqueStarted:
    candidate_id: str


@dataclass(frozen=True)
class CritiqueFinished:
    candidate_id: str
    prompt: tuple[Message, ...]
    response: str
    verdict: CriticVerdict | None  # None: the critique gave no verdict
    p_right: float | None
    prompt_tokens: int
    completion_tokens: int
    elapsed_s: float


@dataclass(frozen=True)
class GeneratedTestsReady:
    """The brute force and input generator were asked for and checked (kept or dropped, `notes` say
    why), and the inputs made: `inputs` from the generator, `shaped` from the samples (no model)."""

    brute: bool
    generator: bool
    inputs: int
    shaped: int
    notes: tuple[str, ...]
    brute_code: str | None = None
    generator_code: str | None = None


@dataclass(frozen=True)
class GeneratedTestsChecked:
    """A candidate that passes the local tests ran on the generated inputs."""

    candidate_id: str
    inputs: int
    mismatches: int  # disagreements with the brute force
    brute_agrees: bool | None
    cluster: int
    hard_coded: bool
    new_tests: tuple[str, ...]  # generated tests that joined the local tests (brute-checked failures)


@dataclass(frozen=True)
class RoundFinished:
    round: int
    best_id: str | None
    generated_tokens: int  # so far, all rounds
    elapsed_s: float


@dataclass(frozen=True)
class RevisionPlanned:
    round: int  # the round about to start
    parent_ids: tuple[str, ...]
    feedback: tuple[str, ...]  # per parent, what the reviser is told


@dataclass(frozen=True)
class BudgetExhausted:
    reason: Literal["rounds", "tokens", "time"]


@dataclass(frozen=True)
class SolveFinished:
    result: SolveResult


SolveEvent = (
    SolveStarted
    | CandidateStarted
    | TokensGenerated
    | CandidateDrafted
    | CaseJudged
    | CandidateTested
    | CritiqueStarted
    | CritiqueFinished
    | GeneratedTestsReady
    | GeneratedTestsChecked
    | RoundFinished
    | RevisionPlanned
    | BudgetExhausted
    | SolveFinished
)
