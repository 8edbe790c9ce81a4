"""Prompt-lookup drafting: guess the next tokens by finding the latest n-gram match earlier in the text.

A revision prompt holds the previous code, and the revised code repeats most of it: when the last few
generated tokens also occur earlier (in the prompt or the answer so far), the tokens that followed them
there are a cheap guess for what comes next. The decoder verifies such a draft in one batch and keeps
only the tokens its sampler picks anyway, so the output distribution is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class LookupOptions:
    """How to draft: n-gram sizes to try (largest first) and the most tokens to propose."""

    max_ngram: int = 3
    min_ngram: int = 1
    max_draft: int = 8


class PromptLookup:
    """An append-only token history indexed by n-gram, answering "what followed this last time?".

    Each append costs O(max_ngram): the index maps every n-gram to where it last ended, and the
    occurrence before the newest is remembered for the trailing n-gram of each size.
    """

    def __init__(self, tokens: Iterable[int] = (), options: LookupOptions | None = None) -> None:
        self.options = options or LookupOptions()
        self.tokens: list[int] = []
        self._last_end: dict[tuple[int, ...], int] = {}
        # For each n-gram size: the end index of the previous occurrence of the trailing n-gram.
        self._previous: dict[int, int | None] = {}
        self.extend(tokens)

    def append(self, token: int) -> None:
        self.tokens.append(token)
        end = len(self.tokens) - 1
        for size in range(self.options.min_ngram, self.options.max_ngram + 1):
            if size > len(self.tokens):
                self._previous[size] = None
                continue
            gram = tuple(self.tokens[end - size + 1 :])
            self._previous[size] = self._last_end.get(gram)
            self._last_end[gram] = end

    def extend(self, tokens: Iterable[int]) -> None:
        for token in tokens:
            self.append(token)

    def draft(self) -> list[int]:
        """The tokens that followed the latest earlier occurrence of the longest trailing n-gram that
        recurs ([] when none does)."""
        for size in range(self.options.max_ngram, self.options.min_ngram - 1, -1):
            end = self._previous.get(size)
            if end is not None:
                return self.tokens[end + 1 : end + 1 + self.options.max_draft]
        return []
