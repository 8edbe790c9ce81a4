"""Continuous batching with the real embedded model: requests that join a running batch."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from test_llama_batch import QUESTIONS, chat, llm, one_at_a_time  # type: ignore[import-not-found]

from ocr_cli.engines.base import GenerationRequest, GenerationResult, Message, SamplingParams
from ocr_cli.engines.batch_decoder import BatchedDecoder
from ocr_cli.engines.batch_types import DecodeRequest
from ocr_cli.engines.llama_sequence import SequenceOutcome
from ocr_cli.engines.request_feed import RequestFeed

pytestmark = pytest.mark.model
__all__ = ["llm"]  # the module-scoped model fixture, shared with test_llama_batch


def greedy(max_tokens: int) -> SamplingParams:
    return SamplingParams(temperature=0, max_tokens=max_tokens)


def test_a_request_that_arrives_mid_batch_joins_it_and_decodes_as_if_alone(llm: Any) -> None:
    first = [DecodeRequest(chat(llm, QUESTIONS[0]), greedy(40)),
             DecodeRequest(chat(llm, QUESTIONS[1]), greedy(6))]
    late = DecodeRequest(chat(llm, QUESTIONS[2]), greedy(20))
    done: list[int] = []
    outcomes: dict[int, SequenceOutcome] = {}
    given: list[str] = []

    def arrivals(wait: bool) -> list[DecodeRequest] | None:
        if not given:
            given.append("first")
            return first
        if len(given) == 1 and 1 in done:  # the short one ended: the late one comes now
            given.append("late")
            assert 0 not in done  # the first is still decoding
            return [late]
        return None if len(given) == 2 else []

    def on_done(index: int, outcome: SequenceOutcome) -> None:
        done.append(index)
        outcomes[index] = outcome

    decoder = BatchedDecoder(llm)
    decoder.decode_stream(arrivals, on_done)
    assert done.index(1) < done.index(2) and done.index(1) < done.index(0)
    assert decoder.stats.sequences == 3
    # The late request ran beside the first (it ended before the first's 40 tokens were out).
    assert done.index(2) < done.index(0)
    for index, request in enumerate([*first, late]):
        assert outcomes[index].tokens == one_at_a_time(llm, list(request.prompt), request.params.max_tokens)


def test_the_engine_streams_a_feed_with_results_as_each_request_ends() -> None:
    from ocr_cli.config import Settings
    from ocr_cli.engines.llama import LlamaEngine
    from ocr_cli.models.registry import resolve_model

    engine = LlamaEngine.open(resolve_model(None), Settings(n_ctx=1024, batched=True, threads=1))
    try:
        assert engine.continuous
        feed = RequestFeed()
        results: dict[int, GenerationResult] = {}
        order: list[int] = []

        def on_result(key: int, result: GenerationResult) -> None:
            order.append(key)
            results[key] = result
            if key == 0:  # a follow-up submitted from the callback, as the solver does
                feed.submit(GenerationRequest((Message("user", "Say hi."),), greedy(5)))
                feed.close()

        feed.submit(GenerationRequest((Message("user", "Count to three."),), greedy(4)))
        feed.submit(GenerationRequest((Message("user", "Write a long essay about the sea."),), greedy(30)))
        engine.generate_stream(feed, on_result, cancel=threading.Event())
        assert sorted(results) == [0, 1, 2]
        assert order[0] == 0 and order.index(2) < order.index(1)  # the follow-up ended first
        assert results[2].completion_tokens <= 5 and results[1].completion_tokens == 30
    finally:
        engine.close()
