"""Batched decoding: N sequences decoded together over one shared KV pool, in the model's one context.

llama-cpp-python's `Llama` decodes one sequence; this module drives llama.cpp's low-level API
(`llama_batch`, `llama_decode`, `llama_memory_seq_*`) the way llama.cpp's `examples/batched` and
llama-server's slots do:

1. the model has one `llama_context` (`ocr_cli.engines.kv_pool.KVPool`), made with a unified KV
   cache of `--ctx` cells and one sequence id per slot; the `Llama` object uses that same context;
2. the prompts' common prefix is evaluated once and its cells shared by every sequence; each
   sequence's own prompt is evaluated alone; each step decodes one token per running sequence,
   every sequence sampling with its own sampler chain and seed and stopping on its own;
3. cells are taken as tokens are produced: requests start while they fit, the sequence furthest
   from finishing is paused when the pool runs out and resumed later by evaluating it again
   (`ocr_cli.engines.batch_decoder.BatchedDecoder`);
4. a request may ask for choice probabilities at a position of its finished answer (the critic's
   verdict), read in the same context before the sequence's cells are given back.

The first request's tokens stay in the cache after a call, so the next call skips the prefix its
prompts share with them. This module is the thin adapter `LlamaEngine.generate_batch` calls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from ocr_cli.engines.base import ChunkCallback, GenerationRequest, GenerationResult
from ocr_cli.engines.batch_decoder import BatchedDecoder, ChoiceScorer, DecodeStats
from ocr_cli.engines.batch_plan import shared_prefix

__all__ = ["BatchedDecoder", "DecodeStats", "generate_batched", "shared_prefix"]


def generate_batched(
    engine: Any,
    requests: Sequence[GenerationRequest],
    on_chunk: ChunkCallback | None = None,
    cancel: threading.Event | None = None,
) -> list[GenerationResult]:
    """Answer requests with one batched decode.

    `engine` is a `LlamaEngine`: it gives `.decoder`, `.render_prompt(request)`, `.tokenize(text)`
    and `.choice_token_ids(tokens, choices)`.
    """
    started = time.perf_counter()
    prompts = [list(engine.tokenize(engine.render_prompt(r))) for r in requests]
    scorers = [_scorer(engine, r) for r in requests]
    outcomes = engine.decoder.decode(prompts, [r.params for r in requests], on_chunk, cancel, scorers)
    elapsed = time.perf_counter() - started
    return [
        GenerationResult(text=o.text, prompt_tokens=o.prompt_tokens, completion_tokens=o.completion_tokens,
                         finish_reason=o.finish_reason, elapsed_s=elapsed,
                         cached_prompt_tokens=o.cached_prompt_tokens,
                         error=o.note if o.finish_reason == "error" else None,
                         note=o.note, choice_probabilities=o.choice_probabilities,
                         scoring_tokens=o.scoring_tokens)
        for o in outcomes
    ]


def _scorer(engine: Any, request: GenerationRequest) -> ChoiceScorer | None:
    scoring = request.score_at
    if scoring is None:
        return None
    prompt_text = engine.render_prompt(request)

    def score(answer: str) -> tuple[list[int], list[set[int]]] | None:
        tokens = list(engine.tokenize(prompt_text + scoring.position(answer)))
        ids = engine.choice_token_ids(tokens, scoring.choices)
        return None if ids is None else (tokens, ids)

    return score
