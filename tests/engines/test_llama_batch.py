"""Batched decoding over one KV pool against the real embedded model (small, CPU, short token limits)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from cancel_events import SetAfterPolls  # type: ignore[import-not-found]

from ocr_cli.engines.base import ChoiceScoring, GenerationRequest, Message, SamplingParams
from ocr_cli.engines.batch_types import choice_probabilities
from ocr_cli.engines.kv_pool import CACHE_SEQ
from ocr_cli.engines.llama_batch import BatchedDecoder, generate_batched, shared_prefix
from ocr_cli.engines.prompt_lookup import LookupOptions

pytestmark = pytest.mark.model

GREEDY = SamplingParams(temperature=0, max_tokens=40)
QUESTIONS = ("Write a Python program that reads n and prints the sum of 1..n.",
             "Explain binary search in detail.", "Write a long essay about the sea.",
             "Write C++ code for Dijkstra.")


@pytest.fixture(scope="module")
def llm() -> Iterator[Any]:
    import llama_cpp

    from ocr_cli.models.embedded import embedded_model_path

    # One thread: on a loaded shared machine, llama.cpp's threads spin-waiting on each other are slow.
    # Flash attention, as the engine's context has: the one-at-a-time reference below then runs the
    # same kernels as the batched path, in llama-cpp-python's own single-sequence context.
    model = llama_cpp.Llama(str(embedded_model_path()), n_ctx=1024, n_threads=1, n_threads_batch=1,
                            flash_attn=True, verbose=False)
    yield model
    model.close()


def chat(llm: Any, text: str) -> list[int]:
    prompt = f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n"
    return list(llm.tokenize(prompt.encode(), add_bos=False, special=True))


_reference: dict[tuple[tuple[int, ...], int], list[int]] = {}


def one_at_a_time(llm: Any, prompt: list[int], max_tokens: int) -> list[int]:
    """Greedy tokens from llama-cpp-python's own single-sequence loop (cached per prompt)."""
    import llama_cpp

    key = (tuple(prompt), max_tokens)
    if key not in _reference:
        llm.reset()
        out: list[int] = []
        for token in llm.generate(prompt, temp=0, top_k=1, repeat_penalty=1.0):
            if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token) or len(out) >= max_tokens:
                break
            out.append(token)
        _reference[key] = out
    return _reference[key]


def cells_of(decoder: BatchedDecoder, seq: int) -> int:
    """Positions llama.cpp holds for a sequence (0 when none)."""
    import llama_cpp

    return int(llama_cpp.llama_memory_seq_pos_max(decoder.pool.memory, seq)) + 1


def test_greedy_batch_matches_one_at_a_time(llm: Any) -> None:
    prompts = [chat(llm, q) for q in QUESTIONS] + [chat(llm, QUESTIONS[0])]
    decoder = BatchedDecoder(llm)
    outcomes = decoder.decode(prompts, [GREEDY] * len(prompts))
    assert [o.tokens for o in outcomes] == [one_at_a_time(llm, p, GREEDY.max_tokens) for p in prompts]
    assert all(o.text == llm.detokenize(o.tokens).decode() for o in outcomes)
    assert decoder.stats.preemptions == 0
    # The common prefix (the chat template's opening) was evaluated once for all five.
    shared = len(shared_prefix(prompts)[0])
    assert decoder.stats.prompt_tokens_evaluated == sum(map(len, prompts)) - 4 * shared


def positions_in_cell_order(decoder: BatchedDecoder, seq: int) -> list[int]:
    """The positions of a sequence's cells, in the order of the cells in the pool (read from the
    sequence's saved state: a header of 4 ints, then per cell its position and sequence ids)."""
    import ctypes
    import struct

    import llama_cpp

    ctx = decoder.pool.ctx
    size = llama_cpp.llama_state_seq_get_size(ctx, seq)
    buffer = (ctypes.c_uint8 * size)()
    data = bytes(buffer[: llama_cpp.llama_state_seq_get_data(ctx, buffer, size, seq)])
    count, offset, positions = struct.unpack_from("<I", data, 12)[0], 16, []
    for _ in range(count):
        pos, n_seq = struct.unpack_from("<iI", data, offset)
        positions.append(pos)
        offset += 8 + 4 * n_seq
    return positions


def watch_cell_order(decoder: BatchedDecoder) -> list[tuple[int, list[int]]]:
    """After every step, record each running sequence whose cells are out of position order."""
    step = decoder._step
    disorder: list[tuple[int, list[int]]] = []

    def checking_step(live: list[Any], queue: list[Any]) -> None:
        step(live, queue)
        for state in live:
            positions = positions_in_cell_order(decoder, state.slot)
            if positions != sorted(positions):
                disorder.append((state.index, positions))

    decoder._step = checking_step  # type: ignore[method-assign]
    return disorder


def test_a_pool_too_small_for_all_preempts_and_keeps_greedy_output_exact(llm: Any) -> None:
    """Before cells were given back to a retired sequence (kv_pool, "Cell order"), the running
    sequences' next tokens went into the paused one's cells, below their own, and one of them left
    the greedy path after 56 of 60 tokens."""
    prompts = [chat(llm, q) for q in QUESTIONS]
    params = SamplingParams(temperature=0, max_tokens=60)
    decoder = BatchedDecoder(llm, max_ctx=256)  # 4 x (about 20 + 60) cells do not fit at once
    disorder = watch_cell_order(decoder)
    outcomes = decoder.decode(prompts, [params] * 4)
    assert decoder.stats.preemptions >= 1 and decoder.stats.resumed_tokens > 0
    assert decoder.stats.peak_cells <= 256 and decoder.pool.compactions >= 1
    assert disorder == []
    assert [o.tokens for o in outcomes] == [one_at_a_time(llm, p, 60) for p in prompts]
    assert [o.finish_reason for o in outcomes] == ["length"] * 4


def test_a_failed_compaction_ends_the_batch_with_an_error_and_the_pool_recovers(
        llm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import llama_cpp

    prompts = [chat(llm, q) for q in QUESTIONS]
    params = SamplingParams(temperature=0, max_tokens=60)
    decoder = BatchedDecoder(llm, max_ctx=256)
    monkeypatch.setattr(llama_cpp, "llama_state_seq_set_data", lambda *_args: 0)
    failed = decoder.decode(prompts, [params] * 4)
    assert decoder.pool.compactions == 1
    assert {o.finish_reason for o in failed} == {"error"}
    assert all("compact" in (o.note or "") for o in failed)
    assert decoder.cached_tokens == [] and cells_of(decoder, CACHE_SEQ) == 0
    monkeypatch.undo()
    again = decoder.decode(prompts[:1], [params])[0]
    assert again.tokens == one_at_a_time(llm, prompts[0], 60)


def test_sequences_ending_at_different_times_keep_greedy_output_exact(llm: Any) -> None:
    """The cells of a sequence that ends early lie below the next tokens of the others."""
    prompts = [chat(llm, q) for q in QUESTIONS]
    budgets = (8, 50, 20, 50)
    decoder = BatchedDecoder(llm)
    disorder = watch_cell_order(decoder)
    outcomes = decoder.decode(prompts, [SamplingParams(temperature=0, max_tokens=n) for n in budgets])
    assert disorder == []
    assert [o.tokens for o in outcomes] == [one_at_a_time(llm, p, 60)[:n] for p, n in zip(prompts, budgets,
                                                                                              strict=True)]


def test_requests_joining_a_small_pool_as_others_end_keep_greedy_output_exact(llm: Any) -> None:
    """Continuous batching in a pool that must compact: each request that ends lets the next in."""
    from ocr_cli.engines.batch_types import DecodeRequest

    budgets = (30, 60, 45, 40, 25, 50)
    requests = [DecodeRequest(chat(llm, QUESTIONS[i % 4] + " " * (i // 4)), SamplingParams(temperature=0,
                                                                                        max_tokens=n))
                for i, n in enumerate(budgets)]
    done: list[int] = []
    outcomes: dict[int, Any] = {}
    given = [0]

    def arrivals(_wait: bool) -> list[Any] | None:
        if given[0] == 0:
            given[0] = 3
            return requests[:3]
        if given[0] < len(requests) and len(done) > given[0] - 3:
            given[0] += 1
            return [requests[given[0] - 1]]
        return None if given[0] == len(requests) else []

    def on_done(index: int, outcome: Any) -> None:
        done.append(index)
        outcomes[index] = outcome

    decoder = BatchedDecoder(llm, max_ctx=256)
    disorder = watch_cell_order(decoder)
    decoder.decode_stream(arrivals, on_done)
    assert sorted(done) == list(range(len(requests))) and decoder.pool.compactions >= 1
    assert disorder == []
    assert [outcomes[i].tokens for i in range(len(requests))] == [
        one_at_a_time(llm, list(r.prompt), r.params.max_tokens) for r in requests]


def pause_at_step(decoder: BatchedDecoder, at: int, *, then_step: bool) -> BatchedDecoder:
    """Make `decoder` pause its first running sequence at step `at` (and, with `then_step`, still
    decode the others in that step)."""
    step, steps = decoder._step, [0]

    def pausing_step(live: list[Any], queue: list[Any]) -> None:
        steps[0] += 1
        if steps[0] == at:
            decoder._pause(live[0], live, queue)
            if not then_step:
                return
        step(live, queue)

    decoder._step = pausing_step  # type: ignore[method-assign]
    return decoder


def test_a_pause_beside_running_sequences_keeps_greedy_output_exact(llm: Any) -> None:
    prompts = [chat(llm, q) for q in QUESTIONS[1:]]
    params = SamplingParams(temperature=0, max_tokens=60)
    decoder = pause_at_step(BatchedDecoder(llm), 30, then_step=True)
    start, beside = decoder._start, []

    def recording_start(state: Any, tokens: Any, shared: int, live: list[Any], cancel: Any) -> bool:
        if state.paused:
            beside.append(len(live))
        return start(state, tokens, shared, live, cancel)

    decoder._start = recording_start  # type: ignore[method-assign]
    outcomes = decoder.decode(prompts, [params] * 3)
    assert decoder.stats.preemptions == 1 and decoder.stats.resumed_tokens >= 29
    assert beside == [2]  # all three budgets fit: it resumed at once, beside the other two
    assert [o.tokens for o in outcomes] == [one_at_a_time(llm, p, 60) for p in prompts]


def test_a_sequence_paused_and_resumed_alone_is_exact(llm: Any) -> None:
    prompt = chat(llm, QUESTIONS[2])
    params = SamplingParams(temperature=0, max_tokens=60)
    decoder = pause_at_step(BatchedDecoder(llm), 30, then_step=False)  # resumed by evaluating again
    outcome = decoder.decode([prompt], [params])[0]
    assert decoder.stats.preemptions == 1 and decoder.stats.resumed_tokens >= 29
    assert outcome.tokens == one_at_a_time(llm, prompt, 60)


def test_seeded_sampling_is_the_same_with_preemption_and_distinct_seeds_differ(llm: Any) -> None:
    prompts = [chat(llm, q) for q in QUESTIONS[:3]]
    params = [SamplingParams(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, seed=s, max_tokens=90)
              for s in (1, 2, 3)]
    roomy_decoder = BatchedDecoder(llm)
    roomy = roomy_decoder.decode(prompts, params)
    tight_decoder = BatchedDecoder(llm, max_ctx=256)
    tight = tight_decoder.decode(prompts, params)
    assert tight_decoder.stats.preemptions >= 1
    assert [o.tokens for o in tight] == [o.tokens for o in roomy]  # the same draws on the same logits
    alone = [BatchedDecoder(llm).decode([p], [q])[0] for p, q in zip(prompts, params, strict=True)]
    assert [o.tokens for o in alone] == [o.tokens for o in roomy]
    # Again in the same decoder, in another order: its cache holds the first prompt and answer.
    again = roomy_decoder.decode(prompts[::-1], params[::-1])[::-1]
    assert again[0].cached_prompt_tokens == len(prompts[0]) - 1
    assert [o.tokens for o in again] == [o.tokens for o in roomy]
    same_prompt = BatchedDecoder(llm).decode([prompts[0]] * 3, params)
    assert len({tuple(o.tokens) for o in same_prompt}) >= 2  # distinct seeds, distinct answers


def test_more_requests_than_slots_wait_for_one(llm: Any) -> None:
    prompts = [chat(llm, q) for q in QUESTIONS]
    params = SamplingParams(temperature=0, max_tokens=12)
    outcomes = BatchedDecoder(llm, slots=2).decode(prompts, [params] * 4)
    assert [o.tokens for o in outcomes] == [one_at_a_time(llm, p, 40)[:12] for p in prompts]


def test_a_lone_sequence_that_cannot_fit_ends_with_length_and_a_note(llm: Any) -> None:
    prompt = chat(llm, QUESTIONS[2])
    decoder = BatchedDecoder(llm, max_ctx=256)
    outcome = decoder.decode([prompt], [SamplingParams(temperature=0, max_tokens=1000)])[0]
    assert outcome.finish_reason == "length"
    assert outcome.completion_tokens == 256 - len(prompt) - 1
    assert outcome.note is not None and "context" in outcome.note


def test_a_prompt_longer_than_the_context_fails_alone(llm: Any) -> None:
    prompt = chat(llm, "Hi")
    outcomes = BatchedDecoder(llm).decode([[1] * 1100, prompt], [GREEDY, GREEDY])
    assert outcomes[0].finish_reason == "error" and "does not fit" in (outcomes[0].note or "")
    assert outcomes[1].tokens == one_at_a_time(llm, prompt, GREEDY.max_tokens)


def test_each_sequence_stops_on_its_own(llm: Any) -> None:
    prompt = chat(llm, QUESTIONS[0])
    params = [
        SamplingParams(temperature=0, max_tokens=5),
        SamplingParams(temperature=0, max_tokens=40, stop=("\n",)),
        SamplingParams(temperature=0, max_tokens=9),
    ]
    chunks: dict[int, list[str]] = {0: [], 1: [], 2: []}
    outcomes = BatchedDecoder(llm).decode([prompt] * 3, params, lambda i, t: chunks[i].append(t))
    assert (outcomes[0].completion_tokens, outcomes[0].finish_reason) == (5, "length")
    assert (outcomes[2].completion_tokens, outcomes[2].finish_reason) == (9, "length")
    assert outcomes[1].finish_reason == "stop" and "\n" not in outcomes[1].text
    assert outcomes[1].completion_tokens < 40
    for index, outcome in enumerate(outcomes):
        assert "".join(chunks[index]) == outcome.text  # streamed text is the result, never past a stop
    assert outcomes[2].text.startswith(outcomes[0].text)


def test_cancel_stops_every_sequence(llm: Any) -> None:
    prompt = chat(llm, QUESTIONS[2])
    cancel = threading.Event()
    seen: list[int] = []

    def on_chunk(index: int, _text: str) -> None:
        seen.append(index)
        if len(seen) >= 6:
            cancel.set()

    outcomes = BatchedDecoder(llm).decode([prompt] * 2, [SamplingParams(temperature=0, max_tokens=200)] * 2,
                                          on_chunk, cancel)
    assert all(o.finish_reason == "cancelled" for o in outcomes)
    assert all(0 < o.completion_tokens < 20 for o in outcomes)


def test_cache_stays_true_after_a_failed_decode_and_a_cancel_between_prefill_chunks(llm: Any) -> None:
    long_prompt = chat(llm, "Summarise: " + "the quick brown fox jumps over the lazy dog. " * 12)
    params = SamplingParams(temperature=0, max_tokens=16)
    expected = one_at_a_time(llm, long_prompt, 16)
    decoder = BatchedDecoder(llm, prefill_chunk=8)

    # A cancel between prefill chunks: the cache holds exactly the chunks evaluated.
    class BetweenChunks(threading.Event):
        def is_set(self) -> bool:
            return decoder.pool.decode_calls >= 3

    cancelled = decoder.decode([long_prompt], [params], cancel=BetweenChunks())[0]
    assert cancelled.finish_reason == "cancelled"
    assert 0 < len(decoder.cached_tokens) < len(long_prompt)
    assert decoder.cached_tokens == long_prompt[: len(decoder.cached_tokens)]
    assert cells_of(decoder, CACHE_SEQ) == len(decoder.cached_tokens)

    # A failed llama_decode in the middle of the prompt: its leftovers are removed, nothing trusted.
    real_run = decoder.pool.run
    calls = {"n": 0}

    def failing_run(entries: Any) -> int:
        calls["n"] += 1
        return -3 if calls["n"] == 2 else real_run(entries)

    decoder.pool.run = failing_run  # type: ignore[method-assign]
    failed = decoder.decode([long_prompt], [params])[0]
    decoder.pool.run = real_run  # type: ignore[method-assign]
    assert failed.finish_reason == "error" and "llama_decode returned -3" in (failed.note or "")
    assert decoder.cached_tokens == long_prompt[: len(decoder.cached_tokens)]
    assert cells_of(decoder, CACHE_SEQ) == len(decoder.cached_tokens)
    assert all(cells_of(decoder, seq) == 0 for seq in range(1, decoder.pool.slots + 1))

    # Then it generates correctly, reusing only what is really cached.
    again = decoder.decode([long_prompt], [params])[0]
    assert again.tokens == expected and again.finish_reason == "length"


def test_cancel_inside_a_prompt_chunk_leaves_no_cells(llm: Any) -> None:
    prompt = chat(llm, "Summarise: " + "the quick brown fox jumps over the lazy dog. " * 12)
    decoder = BatchedDecoder(llm)
    outcome = decoder.decode([prompt], [GREEDY], cancel=SetAfterPolls(4))  # 3rd poll: the abort callback
    assert outcome[0].finish_reason == "cancelled" and outcome[0].completion_tokens == 0
    assert cells_of(decoder, CACHE_SEQ) == len(decoder.cached_tokens) < len(prompt)
    assert decoder.decode([prompt], [GREEDY])[0].tokens == one_at_a_time(llm, prompt, GREEDY.max_tokens)


def test_prefix_reuse_across_calls_keeps_greedy_output(llm: Any) -> None:
    stem = "Problem: read n and print the sum of 1..n.\nCandidate solution:\n"
    prompts = [chat(llm, stem + code + "\nIs it right?") for code in
               ("print(sum(range(int(input())+1)))", "n=int(input())\nprint(n*(n+1)//2)")]
    shared = len(shared_prefix(prompts)[0])
    assert 0 < shared < min(map(len, prompts))
    params = SamplingParams(temperature=0, max_tokens=24)
    decoder = BatchedDecoder(llm)
    outcomes = decoder.decode(prompts, [params] * 2)
    assert decoder.stats.prompt_tokens_evaluated == sum(map(len, prompts)) - shared
    assert [o.cached_prompt_tokens for o in outcomes] == [0, shared]
    assert [o.tokens for o in outcomes] == [one_at_a_time(llm, p, 24) for p in prompts]
    # The first request's prompt and answer stay cached: the next call skips all the prompt but its
    # last token for the first request, and the shared prefix for the second; same output.
    again = decoder.decode(prompts, [params] * 2)
    assert again[0].cached_prompt_tokens == len(prompts[0]) - 1
    assert [o.tokens for o in again] == [o.tokens for o in outcomes]


def test_prompt_lookup_keeps_greedy_output_and_accepts_drafts(llm: Any) -> None:
    code = "def add(a, b):\n    return a + b\n\nprint(add(int(input()), int(input())))\n"
    prompt = chat(llm, f"Repeat this code exactly:\n```python\n{code}```")
    other = chat(llm, QUESTIONS[1])
    params = SamplingParams(temperature=0, max_tokens=32)
    drafting = BatchedDecoder(llm, lookup=LookupOptions())
    drafted = drafting.decode([prompt, other], [params] * 2)  # drafted rows beside another sequence's
    assert [o.tokens for o in drafted] == [one_at_a_time(llm, p, 32) for p in (prompt, other)]
    assert drafting.stats.accepted_draft_tokens > 0


def test_choices_scored_inside_the_batch_match_scoring_afterwards(llm: Any) -> None:
    prompts = [chat(llm, f'Repeat exactly this word and nothing else: "{w}"') for w in ("wrong", "right")]
    choices = ("right", "wrong")
    ids = [{llm.tokenize(c.encode(), add_bos=False)[0], llm.tokenize(b" " + c.encode(), add_bos=False)[0]}
           for c in choices]

    def scorer(prompt: list[int]) -> Any:
        return lambda text: (prompt + list(llm.tokenize(f"\n<judgement>{text[:0]}".encode(), add_bos=False,
                                                        special=True)), ids)

    params = SamplingParams(temperature=0, max_tokens=6)
    decoder = BatchedDecoder(llm)
    outcomes = decoder.decode(prompts, [params] * 2, scorers=[scorer(p) for p in prompts])
    for prompt, outcome in zip(prompts, outcomes, strict=True):
        target, _ = scorer(prompt)(outcome.text)
        afterwards = choice_probabilities(BatchedDecoder(llm).next_logits(target), ids)
        assert outcome.choice_probabilities == afterwards  # the same logits, bit for bit
        assert outcome.scoring_tokens > 0
    assert decoder.stats.scoring_tokens == sum(o.scoring_tokens for o in outcomes)
    # Cancelled before the end: no score.
    stopped = decoder.decode(prompts[:1], [SamplingParams(temperature=0, max_tokens=50)],
                             lambda _i, _t: cancel.set(), cancel := threading.Event(),
                             scorers=[scorer(prompts[0])])
    assert stopped[0].finish_reason == "cancelled" and stopped[0].choice_probabilities is None


class _FakeLlamaEngine:
    """What generate_batched needs from a LlamaEngine."""

    def __init__(self, llm: Any) -> None:
        self.llama = llm
        self.decoder = BatchedDecoder(llm)

    def render_prompt(self, request: GenerationRequest) -> str:
        text = "".join(f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in request.messages)
        return text + "<|im_start|>assistant\n" + request.assistant_prefix

    def tokenize(self, text: str) -> list[int]:
        return list(self.llama.tokenize(text.encode(), add_bos=False, special=True))

    def choice_token_ids(self, tokens: list[int], choices: Any) -> list[set[int]]:
        return [{self.tokenize(c)[0]} for c in choices]


def test_generate_batched_returns_results_in_request_order(llm: Any) -> None:
    engine = _FakeLlamaEngine(llm)
    scoring = ChoiceScoring(("right", "wrong"), lambda text: text + "\n<judgement>")
    requests = [GenerationRequest((Message("user", q),), SamplingParams(temperature=0, max_tokens=n),
                                  score_at=scoring if n == 10 else None)
                for q, n in (("Say hi.", 6), ("Count to three.", 10))]
    streamed: dict[int, str] = {0: "", 1: ""}

    def on_chunk(index: int, text: str) -> None:
        streamed[index] += text

    results = generate_batched(engine, requests, on_chunk)
    assert [streamed[0], streamed[1]] == [r.text for r in results]
    for request, result in zip(requests, results, strict=True):
        tokens = one_at_a_time(llm, engine.tokenize(engine.render_prompt(request)), request.params.max_tokens)
        assert result.text == llm.detokenize(tokens).decode()
    assert results[0].choice_probabilities is None
    scored = results[1].choice_probabilities
    assert scored is not None and sum(scored) == pytest.approx(1)
    assert all(r.prompt_tokens > 0 and r.elapsed_s > 0 for r in results)
