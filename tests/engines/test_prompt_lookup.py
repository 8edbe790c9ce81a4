"""Prompt-lookup drafting and the per-sequence text handling of the batched decoder (no model)."""

from __future__ import annotations

import random

from ocr_cli.engines.base import SamplingParams
from ocr_cli.engines.llama_sequence import SequenceState
from ocr_cli.engines.prompt_lookup import LookupOptions, PromptLookup
from ocr_cli.engines.stop_strings import StopText


def brute_force_draft(tokens: list[int], options: LookupOptions) -> list[int]:
    for size in range(options.max_ngram, options.min_ngram - 1, -1):
        if size >= len(tokens):
            continue
        tail = tokens[-size:]
        for start in range(len(tokens) - size - 1, -1, -1):
            if tokens[start:start + size] == tail:
                return tokens[start + size:start + size + options.max_draft]
    return []


def test_draft_continues_the_latest_earlier_occurrence() -> None:
    lookup = PromptLookup([1, 2, 3, 4, 5, 9, 2, 3, 7, 8, 1, 2, 3], LookupOptions(max_ngram=3, max_draft=4))
    # "1 2 3" occurred at the start; the later "2 3" (a shorter match) loses to the 3-gram.
    assert lookup.draft() == [4, 5, 9, 2]
    lookup.extend([9, 2])
    assert lookup.draft() == [3, 7, 8, 1]  # "9 2" last occurred before "3 7 8"


def test_no_draft_without_a_repeat() -> None:
    assert PromptLookup([1, 2, 3, 4]).draft() == []
    assert PromptLookup([]).draft() == []


def test_incremental_index_agrees_with_a_brute_force_search() -> None:
    rng = random.Random(5)
    options = LookupOptions(max_ngram=3, min_ngram=1, max_draft=5)
    tokens: list[int] = []
    lookup = PromptLookup([], options)
    for _ in range(400):
        token = rng.randrange(6)
        tokens.append(token)
        lookup.append(token)
        assert lookup.draft() == brute_force_draft(tokens, options)


def test_stop_text_never_streams_part_of_a_stop_string() -> None:
    stops = StopText(["</code>", "STOP"])
    chunks = [stops.add(piece) for piece in ["print(1)", "</co", "x", "de> ST", "O", "P tail"]]
    assert "".join(chunks) == "print(1)</cox" + "de> "
    assert stops.stopped and stops.text == "print(1)</coxde> "
    assert all("STO" not in c for c in chunks)


def test_stop_text_flushes_a_held_tail_at_the_end() -> None:
    stops = StopText(["END"])
    assert stops.add("abc E") == "abc "
    assert stops.finish() == "E"
    assert not stops.stopped


#: Token ids standing for raw byte pieces: "é" split across two tokens.
PIECES = {1: b"h", 2: "é".encode()[:1], 3: "é".encode()[1:], 4: b"!"}


class _Pieces:
    def piece(self, token: int) -> bytes:
        return PIECES[token]


def _state(params: SamplingParams) -> SequenceState:
    return SequenceState(0, [1], params, vocab=None, text=_Pieces(), lookup=None)  # type: ignore[arg-type]


def test_multibyte_characters_split_across_tokens_stream_whole() -> None:
    state = _state(SamplingParams(temperature=0, max_tokens=10))
    chunks = [state.accept(t, False) for t in (1, 2, 3, 4)] + [state.accept(0, True)]
    assert chunks == ["h", "", "é", "!", ""]
    assert state.outcome().text == "hé!" and state.finish_reason == "stop"
    assert state.outcome().completion_tokens == 4  # the end-of-generation token is not counted
    state.free()


def test_token_budget_ends_the_sequence_with_length() -> None:
    state = _state(SamplingParams(temperature=0, max_tokens=2))
    state.accept(1, False)
    assert not state.done
    state.accept(4, False)
    assert state.finish_reason == "length" and state.outcome().text == "h!"
    state.free()
