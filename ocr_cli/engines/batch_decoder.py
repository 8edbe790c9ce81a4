"""`BatchedDecoder`: N sequences decoded together over one shared KV pool, with admission and preemption.

The method is described in `ocr_cli.engines.llama_batch`. This module works on a bare
`llama_cpp.Llama` (its model and context parameters) and knows nothing of chat templates or
`LlamaEngine`. The KV cells live in a `KVPool` (`ocr_cli.engines.kv_pool`); this module decides
which sequence runs, as a server's scheduler does:

- **Prefix.** The prompts' common prefix is evaluated once on the cache sequence (skipping what it
  still holds from the last call); every sequence shares those cells.
- **Arrivals.** `decode_stream` takes requests while it decodes (continuous batching): one that
  arrives joins the queue and starts as soon as it fits, sharing what the cache holds of its
  prompt; each outcome is handed over as soon as its sequence ends. `decode` is one call's worth.
- **Admission.** Requests start in order while their prompt (what is not shared) fits in the free
  cells with a step of headroom for every running sequence; the rest wait. At most `slots` run.
- **Preemption.** When the next step does not fit, the running sequence furthest from finishing
  (most tokens left of its budget) is paused: its cells are freed, its tokens and sampler kept. A
  paused sequence resumes, by evaluating its tokens again, when it and the running ones are sure to
  finish side by side (their whole budgets fit), or once it is alone. A sequence running alone
  that still does not fit ends with finish_reason "length" and a note saying the context is full.
- **Exactness.** Every prompt (and every resumed sequence) is evaluated alone in its `llama_decode`
  calls, in chunks of at most `PREFILL_CHUNK` rows, a step decodes one row per sequence, and
  cells are given back without leaving holes below anyone's next token (`kv_pool`, "Cell order"):
  each sequence's cells then lie in position order, and with flash attention greedy output equals
  one-at-a-time output token for token, with or without preemption, whichever sequences run or
  end beside it. Prompt-lookup drafts put several rows of one sequence in a step beside other
  sequences' rows: equal too as far as measured (docs/performance.md), not otherwise argued.
- **Scoring.** A request may ask for choice probabilities at a position of its finished answer (a
  critic's verdict): the sequence's cells are cut back to that position, the rest is evaluated
  alone, and the logits read there, in the same context, checked against `cancel`.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ocr_cli.engines.base import ChunkCallback, SamplingParams
from ocr_cli.engines.batch_plan import common_prefix_length, shared_prefix
from ocr_cli.engines.batch_types import (
    Arrivals,
    ChoiceScorer,
    DecodeRequest,
    DecodeStats,
    choice_probabilities,
)
from ocr_cli.engines.kv_pool import CACHE_SEQ, DECODE_LOST, DECODE_NO_SLOT, DECODE_OK, Entry, KVPool
from ocr_cli.engines.llama_abort import PromptAbort
from ocr_cli.engines.llama_sequence import SequenceOutcome, SequenceState, TokenText
from ocr_cli.engines.prompt_lookup import LookupOptions

#: Most prompt rows per `llama_decode`. Measured on this CPU build (embedded model, flash attention):
#: evaluating a sequence's tokens in chunks of up to 97 rows leaves its KV exactly as decoding them
#: one by one does, while one chunk of 99 rows or more rounds differently. Chunks of 32 keep every
#: prefill (a prompt from any cached prefix, a resumed sequence) on the one-at-a-time path.
PREFILL_CHUNK = 32


class _Failed(Exception):
    """llama_decode failed; every running sequence ends with this message."""


class BatchedDecoder:
    """Decodes several prompts at once in one context (see the module docstring)."""

    def __init__(self, llama: Any, *, max_ctx: int | None = None, lookup: LookupOptions | None = None,
                 n_batch: int = 512, slots: int = 8, share_prefix: bool = True,
                 prefill_chunk: int = PREFILL_CHUNK, resume_chunk: int = PREFILL_CHUNK) -> None:
        import llama_cpp

        self.llama = llama
        self.pool = KVPool(llama, n_ctx=max_ctx, slots=slots, n_batch=n_batch)
        #: Cells in the pool, and the most positions one sequence may reach.
        self.max_ctx = self.seq_limit = self.pool.cells
        self.lookup = lookup
        self.n_batch = n_batch
        self.prefill_chunk = min(prefill_chunk, n_batch)
        #: Rows per call when a paused sequence's answer is evaluated again.
        self.resume_chunk = min(resume_chunk, n_batch)
        #: Off: nothing is shared or kept between calls (the baseline the benchmarks compare against).
        self.share_prefix = share_prefix
        self.stats = DecodeStats()
        self._lib = llama_cpp
        self._vocab = llama._model.vocab
        self.text = TokenText(self._vocab)
        self._abort = PromptAbort(self.pool.ctx)
        self._lock = threading.Lock()
        self._call_prefix = 0  # the prompts' common prefix in this call

    @property
    def draft_room(self) -> int:
        return self.lookup.max_draft if self.lookup else 0

    @property
    def cached_tokens(self) -> list[int]:
        """The tokens the prefix cache holds for the next call."""
        return list(self.pool.cached)

    def clamp(self, prompt: Sequence[int], params: SamplingParams) -> SamplingParams:
        """`params` with max_tokens cut so the sequence stays within `seq_limit` positions."""
        room = max(0, self.seq_limit - len(prompt) - self.draft_room - 1)
        return params if params.max_tokens <= room else dataclasses.replace(params, max_tokens=room)

    def close(self) -> None:
        """Free the context (the model stays with its `Llama`)."""
        self.pool.close()

    # --- the call ----------------------------------------------------------------------------------

    def decode(
        self,
        prompts: Sequence[Sequence[int]],
        params: Sequence[SamplingParams],
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
        scorers: Sequence[ChoiceScorer | None] | None = None,
    ) -> list[SequenceOutcome]:
        """Generate one continuation per prompt; outcomes come back in prompt order. A prompt that
        leaves no room to generate ends with finish_reason "error" without failing the others."""
        if not prompts or len(prompts) != len(params):
            raise ValueError("decode needs one SamplingParams per prompt")
        chosen = list(scorers) if scorers is not None else [None] * len(prompts)
        pending = [[DecodeRequest(p, q, s) for p, q, s in zip(prompts, params, chosen, strict=True)]]
        outcomes: dict[int, SequenceOutcome] = {}
        self.decode_stream(lambda _wait: pending.pop() if pending else None, outcomes.__setitem__,
                           on_chunk, cancel)
        return [outcomes[i] for i in range(len(prompts))]

    def decode_stream(self, arrivals: Arrivals, on_done: Callable[[int, SequenceOutcome], None],
                      on_chunk: ChunkCallback | None = None, cancel: threading.Event | None = None) -> None:
        """Decode requests as `arrivals` gives them until it says no more will come (continuous
        batching): a request that arrives while others decode starts as soon as it fits. Requests
        are numbered in arrival order; `on_done(index, outcome)` is called as soon as one ends."""
        with self._lock:
            self.stats = DecodeStats()
            self._emit = on_chunk or (lambda _i, _t: None)
            self._scorers: list[ChoiceScorer | None] = []
            states: list[SequenceState] = []
            calls = self.pool.decode_calls
            started = time.perf_counter()
            delivered: set[int] = set()

            def deliver() -> None:
                for state in states:
                    if state.done and state.slot is None and state.index not in delivered:
                        delivered.add(state.index)
                        on_done(state.index, state.outcome())

            try:
                self._schedule(states, cancel, arrivals, deliver)
            finally:
                self._settle(states)
                self.stats.decode_calls = self.pool.decode_calls - calls
                self.stats.elapsed_s = time.perf_counter() - started
                self.stats.completion_tokens = sum(len(s.completion) for s in states)
            deliver()  # the rest (ended by a cancel or an error); not after an exception

    def _arrive(self, states: list[SequenceState], request: DecodeRequest) -> SequenceState:
        """A new request's state (ended at once when it cannot run)."""
        prompt, wanted = request.prompt, request.params
        state = SequenceState(len(states), prompt, self.clamp(prompt, wanted), vocab=self._vocab,
                              text=self.text, lookup=self.lookup)
        states.append(state)
        self._scorers.append(request.scorer)
        self.stats.sequences += 1
        self.stats.prompt_tokens += len(prompt)
        if not state.prompt:
            state.end("error", "empty prompt")
        elif state.params.max_tokens < 1:
            state.end("error", f"the prompt ({len(state.prompt)} tokens) does not fit in the "
                               f"context ({self.seq_limit}); raise --ctx or shorten the problem")
        elif state.params.max_tokens < wanted.max_tokens:
            state.note = f"cut to {state.params.max_tokens} tokens: the context holds {self.seq_limit}"
        return state

    def _schedule(self, states: list[SequenceState], cancel: threading.Event | None,
                  arrivals: Arrivals, deliver: Callable[[], None]) -> None:
        first = arrivals(True)
        queue = [s for s in (self._arrive(states, r) for r in first or ()) if not s.done]
        more = first is not None
        if queue:
            try:
                if not self._prefill_cache(queue, cancel):
                    self._end_all(states, "cancelled")
                    return
            except _Failed as exc:
                self._end_all(states, "error", str(exc))
                return
        live: list[SequenceState] = []
        while True:
            if _is_set(cancel):
                self._end_all(states, "cancelled")
                return
            for state in [s for s in live if s.done]:
                live.remove(state)
                self._finish(state, live, queue, cancel)
            deliver()
            if more:  # wait for arrivals only when there is nothing else to do
                got = arrivals(not live and not queue)
                more = got is not None
                queue.extend(s for s in (self._arrive(states, r) for r in got or ()) if not s.done)
            self._admit(queue, live, cancel)
            if not live:
                if not queue and not more:
                    return
                continue  # the queue's head ended (cancelled or out of room), or waiting for arrivals
            try:
                self._step(live, queue)
            except _Failed as exc:
                for state in live:
                    self._emit_end(state, "error", str(exc))
                    self._release(state)
                self._end_all(states, "error", str(exc))
                return

    # --- cells -------------------------------------------------------------------------------------

    def _used(self, live: Sequence[SequenceState]) -> int:
        return len(self.pool.cached) + sum(s.own_cells for s in live)

    def _free(self, live: Sequence[SequenceState]) -> int:
        return self.pool.cells - self._used(live)

    def _note_peak(self, live: Sequence[SequenceState]) -> None:
        self.stats.peak_cells = max(self.stats.peak_cells, self._used(live))

    def _cache_floor(self, live: Sequence[SequenceState]) -> int:
        """The cached tokens running sequences share (the cache cannot shrink below them)."""
        return max((s.shared for s in live), default=0)

    def _make_room(self, need: int, live: list[SequenceState], queue: list[SequenceState],
                   keep: SequenceState | None = None) -> bool:
        """Free cells until `need` are free: first the cache's tokens no running sequence shares,
        then pause the sequence furthest from finishing (not `keep`). False when no one is left to
        pause (a sequence running alone is never paused)."""
        while self._free(live) < need:
            floor = self._cache_floor(live)
            if len(self.pool.cached) > floor:
                self.pool.trim_cache(floor)
                continue
            others = [s for s in live if s is not keep]
            if not others or (keep is None and len(live) == 1):
                return False
            victim = max(others, key=lambda s: (s.remaining, s.index))
            self._pause(victim, live, queue)
        return True

    def _pause(self, state: SequenceState, live: list[SequenceState], queue: list[SequenceState]) -> None:
        live.remove(state)
        self.pool.give_back(state.slot or 0, 0)
        state.slot, state.shared, state.paused = None, 0, True
        queue.insert(sum(1 for s in queue if s.paused), state)  # paused ones go first, in pause order
        self.stats.preemptions += 1

    # --- prefill -----------------------------------------------------------------------------------

    def _prefill_cache(self, queue: list[SequenceState], cancel: threading.Event | None) -> bool:
        """Put the prompts' common prefix in the cache sequence (keeping what it holds of it already).
        False when cancelled."""
        pool = self.pool
        if not self.share_prefix:
            pool.trim_cache(0)
            self._call_prefix = 0
            return not _is_set(cancel)
        target, _ = shared_prefix([s.prompt for s in queue]) if len(queue) > 1 else (queue[0].prompt, True)
        target = target[: min(len(s.prompt) for s in queue) - 1]
        self._call_prefix = len(target)
        reuse = common_prefix_length(pool.cached, target)
        if reuse < len(target):  # else keep all it holds: a sequence may share more than the target
            pool.trim_cache(reuse)
        first = queue[0]
        first.cached_prompt_tokens = -len(target[reuse:])  # the first admitted pays for it (see _admit)
        if _is_set(cancel):
            return False
        done = self._evaluate(CACHE_SEQ, reuse, target[reuse:], logits=False, cancel=cancel,
                              extend=pool.cached)
        return done is not None

    def _evaluate(self, seq: int, start: int, tokens: Sequence[int], *, logits: bool,
                  cancel: threading.Event | None, extend: list[int], chunk: int | None = None) -> int | None:
        """Evaluate `tokens` of one sequence from position `start`, alone, in chunks (a cancel or
        Ctrl-C can stop it between and inside them). Each chunk's tokens are appended to `extend`
        once decoded. Returns the batch row of the last token, or None when cancelled; a failure
        raises `_Failed`. Whatever a stopped chunk may have left is removed."""
        if not tokens:
            return -1
        last = -1
        with self._abort.watching(cancel) as abort:
            size = chunk or self.prefill_chunk
            for offset in range(0, len(tokens), size):
                if _is_set(cancel):
                    return None
                piece = tokens[offset: offset + size]
                pos = start + offset
                rows: list[Entry] = [(seq, t, pos + j, logits and offset + j == len(tokens) - 1)
                                     for j, t in enumerate(piece)]
                rc = self.pool.run(rows)
                if rc != DECODE_OK:
                    self.pool.discard_from(seq, pos)
                    if abort.aborted:
                        return None  # watching() re-raises a Ctrl-C on the way out
                    raise _Failed(_decode_error(rc))
                extend.extend(piece)
                self.stats.prompt_tokens_evaluated += len(piece)
                last = len(piece) - 1
        return last

    def _admit(self, queue: list[SequenceState], live: list[SequenceState],
               cancel: threading.Event | None) -> None:
        """Start (or resume) sequences from the head of the queue while they fit. A paused sequence
        resumes only when it and every running one are sure to finish side by side (their whole
        budgets fit), so that no evaluation spent on a resume is lost to another pause; beside
        running ones too, as its cells, like everyone's, lie above all others, in position order
        (`kv_pool`)."""
        if not live and queue and queue[0].paused:
            self.pool.trim_cache(min(len(self.pool.cached), self._call_prefix))
        while queue and len(live) < self.pool.slots:
            state = queue[0]
            tokens = state.kv_tokens if state.paused else state.prompt
            # A new one needs its last prompt token's logits; a paused one shares no more than it did.
            cap = state.first_shared if state.paused else len(tokens) - 1
            shared = min(common_prefix_length(self.pool.cached, tokens), cap)
            own = len(tokens) - shared
            headroom = len(live) + 1 + self.draft_room * (len(live) + 1)
            if state.paused:
                headroom += sum(s.remaining for s in live) + state.remaining
            if self._free(live) < own + headroom:
                if live:
                    return
                # Alone: drop cached tokens nobody shares, then run it if it fits at all.
                self.pool.trim_cache(shared)
                if self._free(live) < own + 1:
                    queue.pop(0)
                    self._emit_end(state, "length", self._full_note())
                    continue
            queue.pop(0)
            if not self._start(state, tokens, shared, live, cancel):
                return

    def _start(self, state: SequenceState, tokens: list[int], shared: int, live: list[SequenceState],
               cancel: threading.Event | None) -> bool:
        """Give `state` a slot, share the cached prefix, evaluate the rest alone. False if cancelled."""
        used = {s.slot for s in live}
        state.slot = next(i for i in range(1, self.pool.slots + 1) if i not in used)
        self.pool.discard_from(state.slot, 0)
        self.pool.share(CACHE_SEQ, state.slot, shared)
        rest = tokens[shared:]
        resuming = state.paused
        state.kv_tokens, state.shared, state.paused = list(tokens[:shared]), shared, False
        live.append(state)
        if not state.started:
            state.started = True
            state.cached_prompt_tokens += shared  # minus what it evaluated for the cache (see above)
            state.cached_prompt_tokens = max(0, state.cached_prompt_tokens)
        before = self.stats.prompt_tokens_evaluated
        try:
            if resuming:  # prompt and answer apart, chunked as they first were (see PREFILL_CHUNK)
                row = self._evaluate(state.slot, shared, state.prompt[shared:], logits=False, cancel=cancel,
                                     extend=state.kv_tokens)
                start = max(shared, len(state.prompt))
                if row is not None:
                    row = self._evaluate(state.slot, start, tokens[start:], logits=False, cancel=cancel,
                                         extend=state.kv_tokens, chunk=self.resume_chunk)
            else:
                state.first_shared = shared
                row = self._evaluate(state.slot, shared, rest, logits=True, cancel=cancel,
                                     extend=state.kv_tokens)
        except _Failed as exc:
            live.remove(state)
            self._emit_end(state, "error", str(exc))
            self._release(state)
            return True
        if resuming:
            evaluated = self.stats.prompt_tokens_evaluated - before
            self.stats.prompt_tokens_evaluated = before
            self.stats.resumed_tokens += evaluated
        self._note_peak(live)
        if row is None:
            live.remove(state)
            self._emit_end(state, "cancelled")
            self._release(state)
            return False
        if not resuming:
            self._take(state, row)
        return True

    # --- generation --------------------------------------------------------------------------------

    def _step(self, live: list[SequenceState], queue: list[SequenceState]) -> None:
        """Decode one token (plus any draft) of every running sequence."""
        drafts = {s.index: s.draft(self.lookup) for s in live}
        while self._free(live) < sum(1 + len(drafts[s.index]) for s in live):
            if not self._make_room(self._free(live) + 1, live, queue):
                lone = live.pop()
                self._emit_end(lone, "length", self._full_note())
                self._release(lone)
                return
        entries: list[Entry] = []
        spans: list[tuple[SequenceState, int, list[int]]] = []
        for state in live:
            draft = drafts[state.index]
            base = len(state.kv_tokens)
            spans.append((state, len(entries), draft))
            entries.extend((state.slot or 0, t, base + k, True) for k, t in enumerate(state.pending + draft))
        rc = self.pool.run(entries)
        if rc == DECODE_NO_SLOT:  # full even after compaction: pause someone and try again
            if len(live) == 1:
                lone = live.pop()
                self._emit_end(lone, "length", self._full_note())
                self._release(lone)
            else:
                self._pause(max(live, key=lambda s: (s.remaining, s.index)), live, queue)
            return
        if rc != DECODE_OK:
            for state, _, _ in spans:
                self.pool.discard_from(state.slot or 0, len(state.kv_tokens))
            raise _Failed(_decode_error(rc))
        for state, first, draft in spans:
            state.kv_tokens.extend(state.pending + draft)
            self._verify(state, first, draft)
        self._note_peak(live)

    def _take(self, state: SequenceState, row: int) -> None:
        token = self._lib.llama_sampler_sample(state.sampler, self.pool.ctx, row)
        chunk = state.accept(token, self._lib.llama_vocab_is_eog(self._vocab, token))
        state.pending = [token]
        if chunk:
            self._emit(state.index, chunk)

    def _verify(self, state: SequenceState, first: int, draft: list[int]) -> None:
        """Sample after the pending token and after each draft token in turn, keeping drafts while
        the sampler agrees with them; drop the cells of the rejected rest."""
        accepted = 0
        for k in range(len(draft) + 1):
            self._take(state, first + k)
            if state.done:
                break
            if k < len(draft) and state.pending[0] == draft[k]:
                accepted += 1
                continue
            break
        state.note_draft(len(draft), accepted)
        self.stats.drafted_tokens += len(draft)
        self.stats.accepted_draft_tokens += accepted
        if accepted < len(draft):
            keep = len(state.kv_tokens) - (len(draft) - accepted)
            self.pool.give_back(state.slot or 0, keep)
            del state.kv_tokens[keep:]

    # --- the end of a sequence ---------------------------------------------------------------------

    def _finish(self, state: SequenceState, live: list[SequenceState], queue: list[SequenceState],
                cancel: threading.Event | None) -> None:
        """A sequence ended: score it if asked, then give its cells back."""
        scorer = self._scorers[state.index]
        if scorer is not None and state.finish_reason in ("stop", "length") and not _is_set(cancel):
            live.append(state)
            try:
                self._score(state, scorer, live, queue, cancel)
            except _Failed as exc:
                state.note = f"not scored: {exc}"
            live.remove(state)
        self._release(state)

    def _score(self, state: SequenceState, scorer: ChoiceScorer, live: list[SequenceState],
               queue: list[SequenceState], cancel: threading.Event | None) -> None:
        started = time.perf_counter()
        try:
            self._score_at(state, scorer, live, queue, cancel)
        finally:
            self.stats.scoring_s += time.perf_counter() - started

    def _score_at(self, state: SequenceState, scorer: ChoiceScorer, live: list[SequenceState],
                  queue: list[SequenceState], cancel: threading.Event | None) -> None:
        found = scorer(state.stop_text.text)
        if found is None:
            return
        target, choice_ids = found
        keep = min(common_prefix_length(state.kv_tokens, target), len(target) - 1)
        self.pool.give_back(state.slot or 0, keep)
        del state.kv_tokens[keep:]
        state.shared = min(state.shared, keep)
        if len(target) > self.seq_limit or not self._make_room(len(target) - keep, live, queue, keep=state):
            return
        before = self.stats.prompt_tokens_evaluated
        row = self._evaluate(state.slot or 0, keep, target[keep:], logits=True, cancel=cancel,
                             extend=state.kv_tokens)
        state.scoring_tokens = self.stats.prompt_tokens_evaluated - before
        self.stats.prompt_tokens_evaluated = before
        self.stats.scoring_tokens += state.scoring_tokens
        if row is not None:
            state.choice_probabilities = choice_probabilities(self.pool.logits(row), choice_ids)

    def _release(self, state: SequenceState) -> None:
        """Give a finished sequence's cells back; the first request's tokens stay cached when the
        cache holds nothing longer it shares (the next call, a revision or the same prompt again,
        then skips them)."""
        if state.slot is None:
            return
        pool = self.pool
        if self.share_prefix and state.index == 0 and state.shared == len(pool.cached):
            pool.share_tail(state.slot, CACHE_SEQ, state.shared)
            pool.cached = list(state.kv_tokens)
        pool.give_back(state.slot, 0)
        state.slot = None

    def _settle(self, states: list[SequenceState]) -> None:
        """After the call (also after an exception): no sequence keeps cells but the cache."""
        for state in states:
            if state.slot is not None:
                self._release(state)
            state.free()
        if not self.share_prefix:
            self.pool.trim_cache(0)
        self.pool.tidy()

    def _emit_end(self, state: SequenceState, reason: Any, note: str | None = None) -> None:
        chunk = state.end(reason, note)
        if chunk:
            self._emit(state.index, chunk)

    def _end_all(self, states: list[SequenceState], reason: Any, note: str | None = None) -> None:
        for state in states:
            if not state.done:
                self._emit_end(state, reason, note)

    def _full_note(self) -> str:
        return f"the context ({self.pool.cells} tokens) is full; raise --ctx or lower --max-tokens"

    # --- scoring a position outside a batch --------------------------------------------------------

    def next_logits(self, tokens: Sequence[int], cancel: threading.Event | None = None) -> Any | None:
        """The logits after `tokens`, evaluated on the cache sequence (reusing what it holds); None
        when cancelled or when `tokens` do not fit."""
        if not tokens or len(tokens) > self.seq_limit:
            return None
        with self._lock:
            keep = min(common_prefix_length(self.pool.cached, tokens), len(tokens) - 1)
            self.pool.trim_cache(keep)
            try:
                row = self._evaluate(CACHE_SEQ, keep, list(tokens[keep:]), logits=True, cancel=cancel,
                                     extend=self.pool.cached)
            except _Failed:
                return None
            return None if row is None else self.pool.logits(row)


def _is_set(cancel: threading.Event | None) -> bool:
    return cancel is not None and cancel.is_set()


def _decode_error(rc: int) -> str:
    if rc == DECODE_LOST:
        return "llama.cpp failed to compact the KV cache; its cells were lost"
    reason = "no room left in the KV cache" if rc == DECODE_NO_SLOT else f"llama_decode returned {rc}"
    return f"llama.cpp failed while decoding: {reason}"
