"""What `BatchedDecoder` takes and gives: requests, the arrivals of a continuous batch, its
statistics, and choice probabilities read from logits (a critic's verdict)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ocr_cli.engines.base import SamplingParams

#: Given a finished answer's text: the tokens (prompt included) whose last one is the position to
#: score, and for each choice the token ids that start it there; None when it cannot be scored.
ChoiceScorer = Callable[[str], "tuple[list[int], list[set[int]]] | None"]


@dataclass(frozen=True)
class DecodeRequest:
    """One prompt to continue, how to sample, and where to score choices once it ends."""

    prompt: Sequence[int]
    params: SamplingParams
    scorer: ChoiceScorer | None = None


#: Called with wait=True when the decoder has nothing else to do (it may then block until requests
#: come): the requests that arrived since the last call, or None once no more will come.
Arrivals = Callable[[bool], "list[DecodeRequest] | None"]



@dataclass
class DecodeStats:
    """What the last `BatchedDecoder.decode` call did."""

    sequences: int = 0
    prompt_tokens: int = 0  # over all sequences
    prompt_tokens_evaluated: int = 0  # actually decoded: the rest were shared or cached
    completion_tokens: int = 0
    drafted_tokens: int = 0
    accepted_draft_tokens: int = 0
    decode_calls: int = 0
    preemptions: int = 0
    resumed_tokens: int = 0  # evaluated again to resume paused sequences
    scoring_tokens: int = 0
    scoring_s: float = 0.0  # spent reaching the scoring positions and reading the choices
    peak_cells: int = 0
    elapsed_s: float = 0.0


def choice_probabilities(logits: Any, choice_ids: Sequence[set[int]]) -> tuple[float, ...]:
    """Softmax over choices, each scored by the log-sum-exp of its starting tokens' logits."""
    scores = []
    for ids in choice_ids:
        values = [float(logits[i]) for i in ids]
        top = max(values)
        scores.append(top + math.log(sum(math.exp(v - top) for v in values)))
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    total = sum(weights)
    return tuple(w / total for w in weights)
