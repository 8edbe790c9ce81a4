"""`KVPool`: a model's one llama.cpp context, whose KV cells all sequences share.

The context is made once per model with `n_seq_max = slots + 2` (the live sequences, the cache
and the retired cells, below) and a unified KV cache of `n_ctx` cells: a sequence takes cells as
its tokens are evaluated and gives them back when it ends or is paused; nothing is reserved for
`max_tokens`. Sequence 0 is the prefix cache: it holds the tokens kept for the next call (a prompt
prefix, or the last answer), and a prefix copied from it to a live sequence
(`llama_memory_seq_cp`) is stored once, in cells both sequences own.

Attention runs with flash attention, which skips masked cells one by one and sums a sequence's
cells in cell order: a sequence's logits then do not depend on which other sequences' cells lie
between its own, only on its own cells lying in position order (the plain kernel sums over every
cell, masked ones included, and rounds differently once cells interleave). Evaluating a sequence's
prompt alone in a `llama_decode` call keeps it exact too; a call mixing several sequences' prompt
rows does not. `BatchedDecoder` follows both rules (see its docstring).

**Cell order.** llama.cpp puts a new token in the first free cell from where it last allocated,
and freeing cells moves that point back to the lowest one freed: a token of a running sequence
would then land in a hole below its earlier cells (measured: after a pause, the three running
sequences' next tokens went into the paused one's cells, and one of them left the one-at-a-time
greedy path 7 tokens later). So cells are never freed in the middle of the pool: `give_back` hands
them to a `retired` sequence nobody attends to, and every new token lands above all others. When
a `llama_decode` finds no free cell above (the pool's bottom is full of live and retired cells),
`compact` drops the retired cells and moves the rest down, keeping their order and sharing
(llama.cpp's own whole-cache state save and restore: a copy of the KV bytes, no evaluation), and
the call is made again (llama.cpp logs a warning for the first try, seen with `--verbose`).
Compacting costs a host buffer as large as the cells kept, so between calls `tidy` only empties a
pool that keeps nothing cached. Every sequence's cells so stay in position order.

The pool tracks what each sequence holds so that the cells it counts are always the cells
llama.cpp holds: a failed or aborted `llama_decode` removes whatever that call may have left
(`discard_from`), and the cached tokens are only ever those evaluated successfully.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Sequence
from typing import Any

from ocr_cli.errors import EngineError

#: The sequence holding the prefix cache; live sequences use 1..slots.
CACHE_SEQ = 0

#: llama_decode's return codes.
DECODE_OK, DECODE_NO_SLOT, DECODE_ABORTED = 0, 1, 2
#: `KVPool.run`'s own: compacting the pool failed and every cell was lost.
DECODE_LOST = -100

#: A (sequence id, token, position, wants logits) row of a batch.
Entry = tuple[int, int, int, bool]


class KVPool:
    """The context, its batch buffer and the prefix cache's tokens."""

    def __init__(self, llama: Any, *, n_ctx: int | None = None, slots: int = 8, n_batch: int = 512) -> None:
        import llama_cpp
        from llama_cpp import _internals

        self._lib = llama_cpp
        self.slots = min(slots, int(llama_cpp.llama_max_parallel_sequences()) - 2)
        #: The sequence holding given-back cells until the next `compact` (nobody attends to it).
        self.retired = self.slots + 1
        self.n_batch = n_batch
        params = llama_cpp.llama_context_params()
        ctypes.memmove(ctypes.byref(params), ctypes.byref(llama.context_params), ctypes.sizeof(params))
        params.n_ctx = n_ctx or llama.n_ctx()
        params.n_batch = params.n_ubatch = n_batch
        params.n_seq_max = self.slots + 2
        params.kv_unified = True
        params.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED
        params.embeddings = False
        params.n_samplers = 0
        params.samplers = None
        try:
            self.context = _internals.LlamaContext(model=llama._model, params=params, verbose=False)
        except ValueError as exc:
            raise EngineError(f"cannot create a llama.cpp context of {params.n_ctx} tokens: {exc}",
                              hint="lower --ctx") from None
        self.ctx = self.context.ctx
        self.memory = llama_cpp.llama_get_memory(self.ctx)
        #: Cells in the pool (all sequences together).
        self.cells = int(llama_cpp.llama_n_ctx(self.ctx))
        self.n_vocab = int(llama.n_vocab())
        self._batch = _internals.LlamaBatch(n_tokens=n_batch, embd=0, n_seq_max=1, verbose=False)
        #: The tokens the prefix cache (sequence 0) holds at positions 0..len-1.
        self.cached: list[int] = []
        self.decode_calls = 0
        self.compactions = 0
        self.compaction_s = 0.0  # spent in `compact`
        self._retired_any = False

    # --- decoding ------------------------------------------------------------------------------

    def run(self, entries: Sequence[Entry]) -> int:
        """Decode at most `n_batch` rows in one `llama_decode`; its return code (0 = done). When the
        free cells above all others run out, the pool is compacted and the call made again."""
        if len(entries) > self.n_batch:
            raise ValueError(f"{len(entries)} rows exceed the batch size {self.n_batch}")
        batch = self._batch.batch
        for i, (seq, token, pos, logits) in enumerate(entries):
            batch.token[i] = token
            batch.pos[i] = pos
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = seq
            batch.logits[i] = logits
        batch.n_tokens = len(entries)
        self.decode_calls += 1
        rc = int(self._lib.llama_decode(self.ctx, batch))
        if rc == DECODE_NO_SLOT and self._retired_any:
            if not self.compact():
                return DECODE_LOST
            self.decode_calls += 1
            rc = int(self._lib.llama_decode(self.ctx, batch))
        return rc

    def logits(self, index: int) -> Any:
        """A copy of the logits of row `index` of the last batch."""
        import numpy as np

        pointer = self._lib.llama_get_logits_ith(self.ctx, index)
        return np.ctypeslib.as_array(pointer, shape=(self.n_vocab,)).copy()

    # --- sequences -----------------------------------------------------------------------------

    def give_back(self, seq: int, pos: int) -> None:
        """Take a sequence's cells from position `pos` on (all of them at 0) away from it; they stay
        occupied, by the retired sequence, until the next `compact` (see "Cell order")."""
        self._lib.llama_memory_seq_cp(self.memory, seq, self.retired, pos, -1)
        self._lib.llama_memory_seq_rm(self.memory, seq, pos, -1)
        self._retired_any = True

    def compact(self) -> bool:
        """Free the retired cells and move every other cell down, in order, keeping its sequences.
        False when llama.cpp could not restore the cells (then none is left, as after `clear`)."""
        lib = self._lib
        started = time.perf_counter()
        self.compactions += 1
        self._retired_any = False
        lib.llama_memory_seq_rm(self.memory, self.retired, -1, -1)
        size = int(lib.llama_state_seq_get_size(self.ctx, -1))
        buffer = (ctypes.c_uint8 * size)()
        written = int(lib.llama_state_seq_get_data(self.ctx, buffer, size, -1))
        restored = written > 0 and int(lib.llama_state_seq_set_data(self.ctx, buffer, written, -1)) == written
        if not restored:
            self.clear()
        self.compaction_s += time.perf_counter() - started
        return restored

    def tidy(self) -> None:
        """Between calls: free every cell when the cache keeps none (else retired cells wait for
        the next `compact`)."""
        if self._retired_any and not self.cached:
            self.clear(wipe=False)  # no need to zero the buffers (that would touch every page)

    def discard_from(self, seq: int, pos: int) -> None:
        """Free a sequence's cells from position `pos` on (all of them at 0): only for cells no
        other sequence's later tokens lie above (what a failed call left); else `give_back`."""
        if not self._lib.llama_memory_seq_rm(self.memory, seq, pos, -1):
            self.clear()

    def share(self, src: int, dst: int, length: int) -> None:
        """Let `dst` own `src`'s cells at positions 0..length-1 (no new cells: the KV is unified)."""
        if length > 0:
            self._lib.llama_memory_seq_cp(self.memory, src, dst, 0, length)

    def share_tail(self, src: int, dst: int, start: int) -> None:
        """Let `dst` own `src`'s cells from position `start` on."""
        self._lib.llama_memory_seq_cp(self.memory, src, dst, start, -1)

    def trim_cache(self, length: int) -> None:
        """Keep only the first `length` cached tokens."""
        if length < len(self.cached):
            self.give_back(CACHE_SEQ, length)
            del self.cached[length:]

    def clear(self, wipe: bool = True) -> None:
        """Forget every cell (after a failure whose leftovers cannot be told apart); `wipe` also
        zeroes the KV buffers."""
        self._lib.llama_memory_clear(self.memory, wipe)
        self.cached = []
        self._retired_any = False

    def close(self) -> None:
        self.context.close()
        self._batch.close()
        self.cached = []
