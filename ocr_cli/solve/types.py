"""Settings and results of a solve."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from ocr_cli.engines.base import SamplingParams
from ocr_cli.language import Language

Strategy = Literal["single", "select", "loop"]
Status = Literal["accepted", "budget_exhausted", "no_candidate", "cancelled"]
CriticVerdict = Literal["right", "wrong"]
Selection = Literal["p-right", "shortest-critique"]  # see ocr_cli.solve.ranking
#: The critic's sampling temperature in OpenCodeReasoning-II (with the shortest-critique rule).
PAPER_CRITIC_TEMPERATURE = 0.6


@dataclass(frozen=True)
class SolveSettings:
    """What a solve may spend and how it searches."""

    language: Language = Language.PYTHON
    strategy: Strategy = "loop"
    n: int = 4
    rounds: int = 3
    token_budget: int | None = None
    time_budget_s: float | None = None
    max_tokens: int = 1024
    critic_max_tokens: int = 1024
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    seed: int | None = None
    use_critic: bool = True
    revise_top: int = 2  # how many of the most promising candidates are revised each round
    select: Selection = "p-right"  # how the critic's reviews pick among candidates
    critic_temperature: float | None = None  # None: `temperature`

    def sampling(self, max_tokens: int, seed: int | None) -> SamplingParams:
        """Sampling parameters of one generation under these settings."""
        return SamplingParams(temperature=self.temperature, top_p=self.top_p, top_k=self.top_k,
                              min_p=self.min_p, seed=seed, max_tokens=max_tokens)

    def critic_sampling(self, max_tokens: int, seed: int | None) -> SamplingParams:
        """Sampling parameters of one critique (`critic_temperature` when set)."""
        params = self.sampling(max_tokens, seed)
        if self.critic_temperature is None:
            return params
        return dataclasses.replace(params, temperature=self.critic_temperature)


@dataclass(frozen=True)
class CandidateSummary:
    """One candidate as the result reports it (the `--json` `candidates` items)."""

    id: str
    round: int
    verdict: str | None  # the judge's verdict ("AC", "WA", ...), None when not tested
    tests_passed: int
    tests_total: int
    critic: CriticVerdict | None
    critic_p_right: float | None
    parent_id: str | None = None
    syntax_error: str | None = None


@dataclass(frozen=True)
class Timings:
    generate_s: float = 0.0
    critique_s: float = 0.0
    test_s: float = 0.0
    total_s: float = 0.0


@dataclass(frozen=True)
class SolveResult:
    """The final outcome: the best candidate found, with an honest status."""

    status: Status
    language: Language
    code: str | None
    best_id: str | None
    rounds: int  # revision rounds run
    candidates: tuple[CandidateSummary, ...] = field(default_factory=tuple)
    generated_tokens: int = 0
    prompt_tokens: int = 0
    timings: Timings = field(default_factory=Timings)
    stop_reason: str | None = None  # "rounds", "tokens", "time", "cancelled" when not accepted
