"""One sequence of a batched llama.cpp decode: its sampler chain, its text and when it stops.

Kept apart from the decode loop so that the loop only moves tokens between the batch and the
sequences; everything a sequence decides on its own (which token, whether it is done, what text to
stream) lives here.
"""

from __future__ import annotations

import codecs
import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ocr_cli.engines.base import FinishReason, SamplingParams
from ocr_cli.engines.prompt_lookup import LookupOptions, PromptLookup
from ocr_cli.engines.stop_strings import StopText


def make_sampler_chain(params: SamplingParams) -> Any:
    """A llama.cpp sampler chain for `params`: greedy at temperature 0, else top-k → top-p → min-p →
    temperature → a seeded draw (llama.cpp picks a random seed when `params.seed` is None)."""
    import llama_cpp

    chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
    if params.temperature <= 0:
        llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_greedy())
        return chain
    seed = llama_cpp.LLAMA_DEFAULT_SEED if params.seed is None else params.seed & 0xFFFFFFFF
    if params.top_k > 0:
        llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_top_k(params.top_k))
    if params.top_p < 1.0:
        llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_top_p(params.top_p, 1))
    if params.min_p > 0.0:
        llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_min_p(params.min_p, 1))
    llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_temp(params.temperature))
    llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_dist(seed))
    return chain


class TokenText:
    """Turns token ids into text pieces (special tokens rendered as empty)."""

    def __init__(self, vocab: Any) -> None:
        import llama_cpp

        self._vocab = vocab
        self._piece = llama_cpp.llama_token_to_piece
        self._buffer = ctypes.create_string_buffer(256)

    def piece(self, token: int) -> bytes:
        n = self._piece(self._vocab, token, self._buffer, len(self._buffer), 0, False)
        if n < 0:  # a piece longer than the buffer: grow once and retry
            self._buffer = ctypes.create_string_buffer(-n)
            n = self._piece(self._vocab, token, self._buffer, len(self._buffer), 0, False)
        return self._buffer.raw[:n]


@dataclass
class SequenceOutcome:
    """What one sequence produced."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    cached_prompt_tokens: int
    finish_reason: FinishReason
    tokens: list[int]
    #: Why it ended where finish_reason alone does not say (the context filled up, an error).
    note: str | None = None
    #: Probabilities of the requested choices at the scoring position (see `ChoiceScorer`).
    choice_probabilities: tuple[float, ...] | None = None
    #: Tokens evaluated to reach the scoring position.
    scoring_tokens: int = 0


#: Below this share of accepted draft tokens, a sequence stops drafting.
LOW_ACCEPTANCE = 0.3


class SequenceState:
    """The state of one request in the batch.

    `index` is the request's place in the call; `slot` the llama.cpp sequence id it decodes on while
    admitted (None while waiting or paused). `kv_tokens` are the tokens its cells hold (positions
    0..len-1), the first `shared` of them in cells it shares with the prefix cache; `pending` is the
    sampled token (plus any draft) still to be decoded. A paused sequence keeps its tokens in
    `kv_tokens` (with no cells) and is resumed by evaluating them again.
    """

    def __init__(
        self,
        index: int,
        prompt: Sequence[int],
        params: SamplingParams,
        *,
        vocab: Any,
        text: TokenText,
        lookup: LookupOptions | None,
    ) -> None:
        self.index = index
        self.slot: int | None = None
        self.shared = 0
        self.first_shared = 0  # what it shared when it started (a resume shares no more)
        self.started = False
        self.paused = False
        self.note: str | None = None
        self.choice_probabilities: tuple[float, ...] | None = None
        self.scoring_tokens = 0
        self.prompt = list(prompt)
        self.params = params
        self.sampler = make_sampler_chain(params)
        self._vocab = vocab
        self._text = text
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.stop_text = StopText(params.stop)
        self.lookup = PromptLookup(self.prompt, lookup) if lookup is not None else None
        self.kv_tokens: list[int] = []
        self.completion: list[int] = []
        self.cached_prompt_tokens = 0
        self.finish_reason: FinishReason | None = None
        self.pending: list[int] = []
        self.drafted = 0
        self.draft_accepted = 0

    @property
    def done(self) -> bool:
        return self.finish_reason is not None

    def accept(self, token: int, is_eog: bool) -> str:
        """Take a sampled token; return the text chunk to stream (maybe empty). Sets `finish_reason`
        when the sequence is done."""
        if is_eog:
            self.finish_reason = "stop"
            return self._final_text()
        self.completion.append(token)
        if self.lookup is not None:
            self.lookup.append(token)
        chunk = self.stop_text.add(self._decoder.decode(self._text.piece(token)))
        if self.stop_text.stopped:
            self.finish_reason = "stop"
        elif len(self.completion) >= self.params.max_tokens:
            self.finish_reason = "length"
            chunk += self._final_text()
        return chunk

    def draft(self, options: LookupOptions | None) -> list[int]:
        """Tokens to verify after the pending one: a prompt-lookup guess, none once drafts here have
        mostly been rejected (they cost compute), and never past the token budget."""
        if self.lookup is None or options is None:
            return []
        if self.drafted >= 4 * options.max_draft and self.draft_accepted < self.drafted * LOW_ACCEPTANCE:
            return []
        room = self.params.max_tokens - len(self.completion)
        return self.lookup.draft()[: max(0, room)]

    def note_draft(self, drafted: int, accepted: int) -> None:
        self.drafted += drafted
        self.draft_accepted += accepted

    @property
    def remaining(self) -> int:
        """Tokens it may still generate."""
        return self.params.max_tokens - len(self.completion)

    @property
    def own_cells(self) -> int:
        """KV cells only this sequence holds."""
        return len(self.kv_tokens) - self.shared if self.slot is not None else 0

    def end(self, reason: FinishReason, note: str | None = None) -> str:
        """Finish early (cancelled, error, out of room); return any held-back text."""
        if self.finish_reason is None:
            self.finish_reason = reason
            self.note = note
        return self._final_text()

    def _final_text(self) -> str:
        chunk = self.stop_text.add(self._decoder.decode(b"", final=True))
        return chunk + ("" if self.stop_text.stopped else self.stop_text.finish())

    def outcome(self) -> SequenceOutcome:
        return SequenceOutcome(
            text=self.stop_text.text,
            prompt_tokens=len(self.prompt),
            completion_tokens=len(self.completion),
            cached_prompt_tokens=self.cached_prompt_tokens,
            finish_reason=self.finish_reason or "cancelled",
            tokens=list(self.completion),
            note=self.note,
            choice_probabilities=self.choice_probabilities,
            scoring_tokens=self.scoring_tokens,
        )

    def free(self) -> None:
        import llama_cpp

        if self.sampler is not None:
            llama_cpp.llama_sampler_free(self.sampler)
            self.sampler = None
