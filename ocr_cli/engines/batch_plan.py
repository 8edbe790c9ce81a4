"""Which tokens a batch of prompts shares: pure functions of token lists, kept apart from the decode
loop (`ocr_cli.engines.batch_decoder`)."""

from __future__ import annotations

from collections.abc import Sequence


def common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens two token lists share."""
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def shared_prefix(prompts: Sequence[Sequence[int]]) -> tuple[list[int], bool]:
    """The prefix to evaluate once for all prompts, and whether the prompts are all identical (then
    the whole prompt is shared and every sequence samples from its last logits)."""
    first = list(prompts[0])
    if all(list(p) == first for p in prompts[1:]):
        return first, True
    length = min(common_prefix_length(first, p) for p in prompts[1:])
    # Every sequence needs at least one token of its own to get its first logits from.
    length = min(length, min(len(p) for p in prompts) - 1)
    return first[:length], False
