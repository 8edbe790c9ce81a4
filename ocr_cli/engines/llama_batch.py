"""Batched decoding: N sequences decoded together in one llama.cpp context, sharing their common prompt.

llama-cpp-python's `Llama` decodes one sequence; this module drives llama.cpp's low-level API
(`llama_batch`, `llama_decode`, `llama_memory_seq_*`) the way llama.cpp's `examples/batched` does:

1. the longest common token prefix of the prompts is evaluated once, on sequence 0, and copied to
   every other sequence (`llama_memory_seq_cp`). N drafts of one problem share the whole prompt;
   N critiques share the problem part;
2. each sequence's own prompt suffix is evaluated (all sequences in one batch);
3. each step decodes one token per live sequence (plus a prompt-lookup draft when enabled), and every
   sequence samples with its own sampler chain and seed and stops on its own.

Sequence 0's tokens stay in the KV cache after a call, so the next call skips the prefix its first
prompt shares with them.

The decoder (`ocr_cli.engines.batch_decoder.BatchedDecoder`) runs in its own `llama_context`,
created from the `Llama` object's model (the weights are shared, not loaded twice) with
`n_seq_max = N` and one KV stream per sequence (a unified cache would store a shared prefix once,
but changes rounding: see `BatchedDecoder`), sized for the batch and kept for the next call while
it is large enough. This module is the thin adapter `LlamaEngine.generate_batch` calls.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any

from ocr_cli.engines.base import ChunkCallback, GenerationRequest, GenerationResult, SamplingParams
from ocr_cli.engines.batch_decoder import BatchedDecoder, DecodeStats
from ocr_cli.engines.batch_plan import shared_prefix
from ocr_cli.engines.prompt_lookup import LookupOptions

__all__ = ["BatchedDecoder", "DecodeStats", "decoder_for", "generate_batched", "plan_groups", "shared_prefix"]

_decoders: weakref.WeakKeyDictionary[Any, BatchedDecoder] = weakref.WeakKeyDictionary()


def decoder_for(engine: Any) -> BatchedDecoder:
    """The engine's batched decoder, created on first use and kept with the engine."""
    decoder = _decoders.get(engine)
    if decoder is None or decoder.llama is not engine.llama:
        settings = getattr(engine, "settings", None)
        lookup = LookupOptions() if settings is not None and settings.prompt_lookup else None
        # The batch's cells (N sequences' prompts and budgets) may use up to --n-ctx in all, while
        # each sequence stays within the engine's own context like a single request does.
        budget = max(engine.llama.n_ctx(), settings.n_ctx if settings is not None else 0)
        decoder = BatchedDecoder(engine.llama, max_ctx=budget, lookup=lookup)
        _decoders[engine] = decoder
    return decoder


def generate_batched(
    engine: Any,
    requests: Sequence[GenerationRequest],
    on_chunk: ChunkCallback | None = None,
    cancel: threading.Event | None = None,
) -> list[GenerationResult]:
    """Answer requests with one batched decode (the `LlamaEngine.generate_batch` path for N > 1).

    `engine` is a `LlamaEngine`: it gives `.llama`, `.render_prompt(request)` and `.tokenize(text)`.
    Requests that do not all fit in the context together are decoded in consecutive groups that do.
    """
    decoder = decoder_for(engine)
    prompts = [list(engine.tokenize(engine.render_prompt(r))) for r in requests]
    params = [r.params for r in requests]
    results: list[GenerationResult] = []
    for group in plan_groups(decoder, prompts, params):
        started = time.perf_counter()
        offset = group[0]

        def shifted(index: int, text: str, offset: int = offset) -> None:
            if on_chunk is not None:
                on_chunk(index + offset, text)

        outcomes = decoder.decode([prompts[i] for i in group], [params[i] for i in group], shifted, cancel)
        elapsed = time.perf_counter() - started
        results.extend(
            GenerationResult(text=o.text, prompt_tokens=o.prompt_tokens,
                             completion_tokens=o.completion_tokens,
                             finish_reason=o.finish_reason, elapsed_s=elapsed,
                             cached_prompt_tokens=o.cached_prompt_tokens)
            for o in outcomes
        )
    return results


def plan_groups(decoder: BatchedDecoder, prompts: Sequence[Sequence[int]],
                params: Sequence[SamplingParams]) -> list[list[int]]:
    """Split request indices into consecutive groups that each fit in the decoder's `max_ctx` cells
    (a request that cannot fit alone gets a group of its own, and decoding it raises the clear error)."""
    clamped = [decoder.clamp(p, q) for p, q in zip(prompts, params, strict=True)]
    groups: list[list[int]] = []
    for i in range(len(prompts)):
        if groups:
            trial = [*groups[-1], i]
            need = decoder.need([prompts[j] for j in trial], [clamped[j] for j in trial])
            if need.cells <= decoder.max_ctx:
                groups[-1] = trial
                continue
        groups.append([i])
    return groups

