"""Choice probabilities from the top logprobs a server streams with an answer (a critic's p(right)).

When a request asks for them (`GenerationRequest.score_at`), the engine asks the server for the top
alternatives of every generated token (`logprobs`, `top_logprobs`) and keeps, for the last tokens of
the answer, where each starts in the answer's text and its alternatives. Once the answer ends, the
position `score_at` names (just after the verdict tag) falls in one token: the alternatives of that
token that continue the text before the position with a choice give the probabilities. No second
request, and it works where the server cannot continue a prefix. Where the logprobs do not line up
with the text (a server that sends none, tokens split inside a character) it answers None, and the
caller falls back to `score_choices`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any

#: Tokens kept from the end of an answer: the verdict comes last.
KEEP_TOKENS = 512


class TokenTrail:
    """The last tokens of one streamed answer with their top alternatives."""

    def __init__(self, keep: int = KEEP_TOKENS) -> None:
        self.length = 0  # characters of answer text so far
        self.tokens: deque[tuple[int, str, list[dict[str, Any]]]] = deque(maxlen=keep)
        self.broken = False

    def feed(self, content: str, logprobs: Any) -> None:
        """Take one chunk of answer text and the `logprobs` object that came with it."""
        entries = logprobs.get("content") if isinstance(logprobs, dict) else None
        if not isinstance(entries, list):
            self.broken = self.broken or bool(content)
            self.length += len(content)
            return
        pairs = [(e, e.get("token")) for e in entries if isinstance(e, dict)]
        tokens = [token for _, token in pairs if isinstance(token, str)]
        if len(tokens) != len(entries) or "".join(tokens) != content:
            self.broken = True  # tokens that are not this text: positions would be wrong
        start = self.length
        for entry, token in pairs:
            if isinstance(token, str):
                top = entry.get("top_logprobs")
                self.tokens.append((start, token, top if isinstance(top, list) else []))
                start += len(token)
        self.length += len(content)

    def probabilities(self, position: int, choices: Sequence[str]) -> list[float] | None:
        """Probabilities of `choices` at character `position` of the answer; None when unknown."""
        if self.broken:
            return None
        for start, token, top in self.tokens:
            if start <= position < start + len(token):
                return choice_probabilities(top, choices, head=token[: position - start])
        return None


def choice_probabilities(
    top_logprobs: Sequence[dict[str, Any]], choices: Sequence[str], head: str = ""
) -> list[float] | None:
    """Probabilities of `choices` from the top alternatives of one token.

    A token counts for a choice when it starts with `head` (the part of the token before the scored
    position, e.g. the ">" of a ">right" token) and the rest, stripped, is a non-empty start of that
    choice (or starts with it: "right</") and of no other. None when no alternative points to any choice.
    """
    mass = [0.0] * len(choices)
    for item in top_logprobs:
        token, logprob = item.get("token"), item.get("logprob")
        if not isinstance(token, str) or not isinstance(logprob, (int, float)) or not token.startswith(head):
            continue
        word = token[len(head):].strip()
        hits = [i for i, c in enumerate(choices) if word and (c.startswith(word) or word.startswith(c))]
        if len(hits) == 1:
            mass[hits[0]] += math.exp(logprob)
    total = sum(mass)
    return [m / total for m in mass] if total > 0 else None
