"""`BatchedDecoder`: N sequences decoded together in one llama.cpp context.

The method is described in `ocr_cli.engines.llama_batch`. This module works on a bare
`llama_cpp.Llama` (its model and context parameters) and knows nothing of chat templates or
`LlamaEngine`.
"""

from __future__ import annotations

import ctypes
import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ocr_cli.engines.base import ChunkCallback, SamplingParams
from ocr_cli.engines.batch_plan import (
    CTX_STEP,
    ContextNeed,
    common_prefix_length,
    context_need,
    round_up,
    shared_prefix,
)
from ocr_cli.engines.llama_sequence import SequenceOutcome, SequenceState, TokenText
from ocr_cli.engines.prompt_lookup import LookupOptions
from ocr_cli.errors import EngineError


@dataclass
class DecodeStats:
    """What the last `BatchedDecoder.decode` call did."""

    sequences: int = 0
    prompt_tokens: int = 0  # over all sequences
    prompt_tokens_evaluated: int = 0  # actually decoded: the rest were shared or cached
    completion_tokens: int = 0
    drafted_tokens: int = 0
    accepted_draft_tokens: int = 0
    decode_calls: int = 0
    elapsed_s: float = 0.0


class BatchedDecoder:
    """Decodes several prompts at once with a `llama_cpp.Llama`'s model (see the module docstring)."""

    def __init__(self, llama: Any, *, max_ctx: int | None = None, lookup: LookupOptions | None = None,
                 n_batch: int = 512, unified_kv: bool = False, share_prefix: bool = True) -> None:
        import llama_cpp

        self.llama = llama
        #: Most KV cells the decoder's context may hold, over all sequences.
        self.max_ctx = max_ctx or llama.n_ctx()
        #: Most positions one sequence may reach (the `Llama` context's size, as for a single request).
        self.seq_limit = llama.n_ctx()
        self.lookup = lookup
        self.n_batch = n_batch
        # A unified cache stores a shared prefix once, but every token then attends over all cells
        # (masked), which changes float rounding: greedy outputs drift from the one-at-a-time ones
        # after a few dozen tokens. Separate streams (the default) reproduce them exactly.
        self.unified_kv = unified_kv
        #: Off: every sequence evaluates its whole prompt and nothing is kept between calls (the
        #: baseline the benchmarks compare against).
        self.share_prefix = share_prefix
        self.stats = DecodeStats()
        self._lib = llama_cpp
        self._vocab = llama._model.vocab
        self._text = TokenText(self._vocab)
        self._ctx: Any = None  # llama_cpp._internals.LlamaContext
        self._ctx_cells = 0
        self._ctx_per_seq = 0
        self._ctx_seqs = 0
        self._batch: Any = None  # llama_cpp._internals.LlamaBatch
        self._batch_cap = 0
        self._cached: list[int] = []  # sequence 0's tokens left in the KV cache by the last call
        self._lock = threading.Lock()

    @property
    def draft_room(self) -> int:
        return self.lookup.max_draft if self.lookup else 0

    def need(self, prompts: Sequence[Sequence[int]], params: Sequence[SamplingParams]) -> ContextNeed:
        """The KV cells decoding these prompts needs (see `context_need`)."""
        return context_need(prompts, params, self.draft_room, self.unified_kv)

    def clamp(self, prompt: Sequence[int], params: SamplingParams) -> SamplingParams:
        """`params` with max_tokens cut so the sequence stays within `seq_limit` positions."""
        room = self.seq_limit - len(prompt) - self.draft_room - 1
        if room < 1:
            raise EngineError(f"a prompt of {len(prompt)} tokens leaves no room to generate in a context "
                              f"of {self.seq_limit}", hint="raise --ctx or shorten the problem")
        return params if params.max_tokens <= room else dataclasses.replace(params, max_tokens=room)

    # --- context and batch -------------------------------------------------------------------------

    def _ensure_context(self, need: ContextNeed) -> None:
        if self._ctx is not None and need.seqs <= self._ctx_seqs and (
            need.cells <= self._ctx_cells if self.unified_kv else need.per_seq <= self._ctx_per_seq
        ):
            return
        from llama_cpp import _internals

        max_seqs = self._lib.llama_max_parallel_sequences()
        if need.seqs > max_seqs:
            raise EngineError(f"llama.cpp decodes at most {max_seqs} sequences at once, not {need.seqs}")
        seqs = max(need.seqs, self._ctx_seqs)  # grow to the larger shape, so the next call fits too
        if self.unified_kv:
            size = max(need.cells, min(self.max_ctx, round_up(max(need.cells, self._ctx_cells), CTX_STEP)))
        else:  # equal streams: n_ctx must divide by n_seq_max
            per_seq = round_up(max(need.per_seq, self._ctx_per_seq), 256)
            if per_seq * seqs > self.max_ctx:
                seqs, per_seq = need.seqs, need.per_seq
            size = per_seq * seqs
        self.close()
        params = self._lib.llama_context_params()
        ctypes.memmove(ctypes.byref(params), ctypes.byref(self.llama.context_params), ctypes.sizeof(params))
        params.n_ctx = size
        params.n_batch = params.n_ubatch = self.n_batch
        params.n_seq_max = seqs
        params.kv_unified = self.unified_kv
        params.embeddings = False
        params.n_samplers = 0
        params.samplers = None
        try:
            self._ctx = _internals.LlamaContext(model=self.llama._model, params=params, verbose=False)
        except ValueError as exc:
            raise EngineError(f"cannot create a llama.cpp context of {size} tokens for {seqs} sequences: "
                              f"{exc}", hint="lower -n or --max-tokens") from None
        self._ctx_cells = self._lib.llama_n_ctx(self._ctx.ctx)
        self._ctx_per_seq = self._lib.llama_n_ctx_seq(self._ctx.ctx)
        self._ctx_seqs = seqs
        self._cached = []

    def _ensure_batch(self, capacity: int) -> None:
        if self._batch is not None and capacity <= self._batch_cap:
            return
        from llama_cpp import _internals

        self._batch = _internals.LlamaBatch(n_tokens=capacity, embd=0, n_seq_max=1, verbose=False)
        self._batch_cap = capacity

    def close(self) -> None:
        """Free the decoder's context (the model stays with its `Llama`)."""
        if self._ctx is not None:
            self._ctx.close()
        self._ctx, self._cached = None, []
        self._ctx_cells = self._ctx_per_seq = self._ctx_seqs = 0

    # --- decoding ----------------------------------------------------------------------------------

    def _run(self, entries: Sequence[tuple[int, int, int, bool]]) -> None:
        """Decode (seq_id, token, pos, wants_logits) entries as one batch."""
        batch = self._batch.batch
        for i, (seq, token, pos, logits) in enumerate(entries):
            batch.token[i] = token
            batch.pos[i] = pos
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = seq
            batch.logits[i] = logits
        batch.n_tokens = len(entries)
        rc = self._lib.llama_decode(self._ctx.ctx, batch)
        self.stats.decode_calls += 1
        if rc != 0:
            self._lib.llama_memory_clear(self._lib.llama_get_memory(self._ctx.ctx), True)
            self._cached = []
            reason = "no room left in the KV cache" if rc == 1 else f"llama_decode returned {rc}"
            raise EngineError(f"batched decoding failed: {reason}")

    def _sample(self, state: SequenceState, idx: int) -> tuple[int, str]:
        token = self._lib.llama_sampler_sample(state.sampler, self._ctx.ctx, idx)
        return token, state.accept(token, self._lib.llama_vocab_is_eog(self._vocab, token))

    def decode(
        self,
        prompts: Sequence[Sequence[int]],
        params: Sequence[SamplingParams],
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[SequenceOutcome]:
        """Generate one continuation per prompt; outcomes come back in prompt order.

        Raises EngineError when the batch cannot fit in `max_ctx` cells (checked before decoding).
        """
        if not prompts or len(prompts) != len(params):
            raise ValueError("decode needs one SamplingParams per prompt")
        if any(not p for p in prompts):
            raise EngineError("cannot decode an empty prompt")
        params = [self.clamp(p, q) for p, q in zip(prompts, params, strict=True)]
        need = self.need(prompts, params)
        if need.cells > self.max_ctx:
            raise EngineError(
                f"a batch of {len(prompts)} needs {need.cells} context tokens (prompts plus "
                f"{sum(p.max_tokens for p in params)} to generate) but the context holds {self.max_ctx}",
                hint="lower -n or --max-tokens, or raise --ctx",
            )
        with self._lock:
            self._ensure_context(need)
            self._ensure_batch(max(self.n_batch, len(prompts) * (self.draft_room + 1)))
            states = [SequenceState(i, p, params[i], vocab=self._vocab, text=self._text, lookup=self.lookup)
                      for i, p in enumerate(prompts)]
            self.stats = DecodeStats(sequences=len(states), prompt_tokens=sum(len(p) for p in prompts))
            started = time.perf_counter()
            finished_at: dict[int, float] = {}
            emit = on_chunk or (lambda _i, _t: None)
            try:
                self._prefill(states, emit, cancel)
                self._generate(states, emit, cancel, finished_at, started)
            finally:
                self._keep_cache(states)
                for state in states:
                    state.free()
            self.stats.elapsed_s = time.perf_counter() - started
            self.stats.completion_tokens = sum(len(s.completion) for s in states)
            return [s.outcome() for s in states]

    def _prefill(self, states: list[SequenceState], emit: ChunkCallback,
                 cancel: threading.Event | None) -> None:
        """Evaluate the prompts: the shared prefix once on sequence 0 (skipping what sequence 0 still
        holds from the last call), copy it to the other sequences, then every sequence's own suffix."""
        mem = self._lib.llama_get_memory(self._ctx.ctx)
        shared, identical = shared_prefix([s.prompt for s in states]) if self.share_prefix else ([], False)
        first = states[0].prompt
        # Sequence 0 keeps what it shares with the last call, short of its last prompt token (which
        # must be decoded to give logits).
        reuse = min(common_prefix_length(self._cached, first), len(first) - 1)
        for seq in range(1, self._ctx_seqs):
            self._lib.llama_memory_seq_rm(mem, seq, -1, -1)
        if not self._lib.llama_memory_seq_rm(mem, 0, reuse, -1):
            self._lib.llama_memory_clear(mem, True)
            reuse = 0
        self._cached = []
        entries = [(0, shared[pos], pos, identical and pos == len(shared) - 1)
                   for pos in range(reuse, len(shared))]
        self.stats.prompt_tokens_evaluated += len(entries)

        def after_shared(last_index: int) -> None:
            for state in states:
                state.kv_tokens = list(first[:reuse]) if reuse > len(shared) else list(shared)
                state.cached_prompt_tokens = reuse if state.seq_id == 0 else len(shared)
                if state.seq_id:
                    # Only whole sequences can be copied between KV streams: copy, then cut.
                    self._lib.llama_memory_seq_cp(mem, 0, state.seq_id, -1, -1)
                    self._lib.llama_memory_seq_rm(mem, state.seq_id, len(shared), -1)
                    state.kv_tokens = list(shared)
            if identical:
                for state in states:
                    self._take(state, last_index, emit)

        self._run_chunked(entries, {len(entries) - 1: after_shared} if entries else {}, cancel)
        if not entries:
            after_shared(-1)
        if identical:
            return
        entries, hooks = [], {}
        for state in states:
            start = len(state.kv_tokens)
            suffix = state.prompt[start:]
            entries.extend((state.seq_id, token, start + j, j == len(suffix) - 1)
                           for j, token in enumerate(suffix))
            state.kv_tokens.extend(suffix)
            hooks[len(entries) - 1] = self._taker(state, emit)
        self.stats.prompt_tokens_evaluated += len(entries)
        self._run_chunked(entries, hooks, cancel)

    def _taker(self, state: SequenceState, emit: ChunkCallback) -> Callable[[int], None]:
        return lambda index: self._take(state, index, emit)

    def _take(self, state: SequenceState, index: int, emit: ChunkCallback) -> None:
        token, chunk = self._sample(state, index)
        state.pending = [token]
        if chunk:
            emit(state.seq_id, chunk)

    def _run_chunked(self, entries: list[tuple[int, int, int, bool]],
                     hooks: dict[int, Callable[[int], None]], cancel: threading.Event | None) -> None:
        """Decode entries in batches of at most n_batch; after each batch, call the hooks of its
        entries with their index in that batch (to sample while their logits are current)."""
        for start in range(0, len(entries), self.n_batch):
            if cancel is not None and cancel.is_set():
                return
            chunk = entries[start:start + self.n_batch]
            self._run(chunk)
            for offset in range(len(chunk)):
                hook = hooks.get(start + offset)
                if hook is not None:
                    hook(offset)

    def _generate(self, states: list[SequenceState], emit: ChunkCallback, cancel: threading.Event | None,
                  finished_at: dict[int, float], started: float) -> None:
        mem = self._lib.llama_get_memory(self._ctx.ctx)
        while True:
            if cancel is not None and cancel.is_set():
                for state in states:
                    if not state.done:
                        chunk = state.end("cancelled")
                        if chunk:
                            emit(state.seq_id, chunk)
            live = [s for s in states if not s.done]
            for state in states:
                if state.done and state.seq_id not in finished_at:
                    finished_at[state.seq_id] = time.perf_counter() - started
                    if state.seq_id:
                        self._lib.llama_memory_seq_rm(mem, state.seq_id, -1, -1)
            if not live:
                return
            entries: list[tuple[int, int, int, bool]] = []
            spans: list[tuple[SequenceState, int, list[int]]] = []
            for state in live:
                draft = state.draft(self.lookup)
                tokens = state.pending + draft
                base = len(state.kv_tokens)
                spans.append((state, len(entries), draft))
                entries.extend((state.seq_id, t, base + k, True) for k, t in enumerate(tokens))
                state.kv_tokens.extend(tokens)
            self._run(entries)
            for state, first, draft in spans:
                self._verify(state, first, draft, emit, mem)

    def _verify(self, state: SequenceState, first: int, draft: list[int], emit: ChunkCallback,
                mem: Any) -> None:
        """Sample after the pending token and after each draft token in turn, keeping drafts while
        the sampler agrees with them; drop the KV of the rejected rest."""
        accepted = 0
        for k in range(len(draft) + 1):
            token, chunk = self._sample(state, first + k)
            if chunk:
                emit(state.seq_id, chunk)
            if state.done:
                break
            if k < len(draft) and token == draft[k]:
                accepted += 1
                continue
            state.pending = [token]
            break
        state.note_draft(len(draft), accepted)
        self.stats.drafted_tokens += len(draft)
        self.stats.accepted_draft_tokens += accepted
        if accepted < len(draft):
            keep = len(state.kv_tokens) - (len(draft) - accepted)
            self._lib.llama_memory_seq_rm(mem, state.seq_id, keep, -1)
            del state.kv_tokens[keep:]

    def _keep_cache(self, states: list[SequenceState]) -> None:
        """Leave sequence 0's tokens in the KV cache for the next call's prefix reuse."""
        if self._ctx is None or not states or not self.share_prefix:
            return
        mem = self._lib.llama_get_memory(self._ctx.ctx)
        for seq in range(1, self._ctx_seqs):
            self._lib.llama_memory_seq_rm(mem, seq, -1, -1)
        self._cached = list(states[0].kv_tokens)
