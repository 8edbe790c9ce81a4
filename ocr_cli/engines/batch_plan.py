"""How a batch of prompts is laid out in llama.cpp's KV cache: the shared prefix and the cells needed.

Pure functions of token lists, kept apart from the decode loop (`ocr_cli.engines.llama_batch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ocr_cli.engines.base import SamplingParams

#: Contexts are allocated in steps of this many cells, so that a slightly larger batch reuses them.
CTX_STEP = 1024


def common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
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


@dataclass(frozen=True)
class ContextNeed:
    """The KV cells a batch needs: in all, and for its longest sequence."""

    seqs: int
    cells: int
    per_seq: int


def context_need(prompts: Sequence[Sequence[int]], params: Sequence[SamplingParams], draft: int,
                 unified: bool) -> ContextNeed:
    """With a unified KV cache the shared prefix is stored once and sequences take the cells they
    use; otherwise each sequence has a stream of equal size holding its own copy of the prefix."""
    per_seq = max(len(p) + q.max_tokens + draft + 1 for p, q in zip(prompts, params, strict=True))
    if not unified:
        return ContextNeed(len(prompts), per_seq * len(prompts), per_seq)
    shared, identical = shared_prefix(prompts)
    suffixes = 0 if identical else sum(len(p) - len(shared) for p in prompts)
    cells = len(shared) + suffixes + sum(q.max_tokens + draft + 1 for q in params)
    return ContextNeed(len(prompts), cells, per_seq)


def round_up(value: int, step: int) -> int:
    return -(-value // step) * step
