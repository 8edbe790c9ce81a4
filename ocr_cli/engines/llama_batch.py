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
prompts share with them. Requests may also keep arriving while others decode (`stream_batched`,
continuous batching over a `RequestFeed`). This module is the thin adapter `LlamaEngine` calls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ocr_cli.engines.base import ChunkCallback, GenerationRequest, GenerationResult
from ocr_cli.engines.batch_decoder import BatchedDecoder
from ocr_cli.engines.batch_plan import shared_prefix
from ocr_cli.engines.batch_types import ChoiceScorer, DecodeRequest, DecodeStats
from ocr_cli.engines.llama_sequence import SequenceOutcome
from ocr_cli.engines.request_feed import RequestFeed

__all__ = ["BatchedDecoder", "DecodeStats", "generate_batched", "shared_prefix", "stream_batched"]


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
    return [_result(o, elapsed) for o in outcomes]


def stream_batched(
    engine: Any,
    feed: RequestFeed,
    on_result: Callable[[int, GenerationResult], None],
    on_chunk: ChunkCallback | None = None,
    cancel: threading.Event | None = None,
) -> None:
    """Answer the requests of `feed` with one continuous batched decode (see `Engine.generate_stream`)."""
    keys: list[int] = []
    arrived: list[float] = []

    def arrivals(wait: bool) -> list[DecodeRequest] | None:
        items = feed.take(wait=wait, cancel=cancel)
        if items is None:
            return None
        taken = []
        for key, request in items:
            keys.append(key)
            arrived.append(time.perf_counter())
            taken.append(DecodeRequest(engine.tokenize(engine.render_prompt(request)), request.params,
                                       _scorer(engine, request)))
        return taken

    def done(index: int, outcome: SequenceOutcome) -> None:
        on_result(keys[index], _result(outcome, time.perf_counter() - arrived[index]))

    def chunk(index: int, text: str) -> None:
        if on_chunk is not None:
            on_chunk(keys[index], text)

    engine.decoder.decode_stream(arrivals, done, chunk, cancel)


def _result(o: SequenceOutcome, elapsed: float) -> GenerationResult:
    return GenerationResult(text=o.text, prompt_tokens=o.prompt_tokens, completion_tokens=o.completion_tokens,
                            finish_reason=o.finish_reason, elapsed_s=elapsed,
                            cached_prompt_tokens=o.cached_prompt_tokens,
                            error=o.note if o.finish_reason == "error" else None,
                            note=o.note, choice_probabilities=o.choice_probabilities,
                            scoring_tokens=o.scoring_tokens)


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
