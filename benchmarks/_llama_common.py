"""Shared pieces of the llama.cpp benchmarks: the embedded model, prompts, a bare batched loop, tables."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from typing import Any

CODE_REQUEST = ("Write a complete Python program that reads an integer n from standard input and prints "
                "the sum of the first n prime numbers. Explain the approach first, then give the code.")


def load_llama(n_ctx: int = 4096, threads: int | None = None, flash_attn: bool = False) -> Any:
    """The embedded model as a bare `llama_cpp.Llama` (2 threads by default, as on the 2-core box)."""
    import llama_cpp

    from ocr_cli.models.embedded import embedded_model_path

    return llama_cpp.Llama(str(embedded_model_path()), n_ctx=n_ctx, n_threads=threads or 2,
                           n_threads_batch=threads or 2, flash_attn=flash_attn, verbose=False)


def chat_tokens(llm: Any, user: str, system: str | None = None) -> list[int]:
    """Token ids of a ChatML prompt (the embedded model's template)."""
    text = f"<|im_start|>system\n{system}<|im_end|>\n" if system else ""
    text += f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"
    return list(llm.tokenize(text.encode(), add_bos=False, special=True))


def timed(fn: Callable[[], int], repeats: int) -> tuple[float, int]:
    """Best wall time over `repeats` runs of fn, and the token count fn returned."""
    best, count = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        count = fn()
        best = min(best, time.perf_counter() - start)
    return best, count


def clock(kind: str) -> Callable[[], float]:
    """`wall` (perf_counter) or `cpu` (this process's CPU time: steadier on a busy shared machine with
    one llama.cpp thread, where wall time mostly measures waiting for a core)."""
    return time.process_time if kind == "cpu" else time.perf_counter


def interleaved(fns: Sequence[Callable[[], int]], repeats: int,
                kind: str = "wall") -> list[tuple[float, int]]:
    """Best time and token count of each fn, running them in turn `repeats` times so that a busy
    spell on a shared machine hits every variant alike."""
    now = clock(kind)
    best = [(float("inf"), 0)] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = now()
            count = fn()
            elapsed = now() - start
            if elapsed < best[i][0]:
                best[i] = (elapsed, count)
    return best


def bare_batched_loop(llm: Any, prompt: Sequence[int], n: int, max_tokens: int, seeds: Sequence[int],
                      temperature: float = 0.7, flash_attn: int | None = None) -> int:
    """llama.cpp's examples/batched in a few lines: prompt once on seq 0, copied to every stream,
    then one token per live sequence per decode. Same sampler chain and context kind as ocr's path;
    no text, stop strings or callbacks. Flash attention as in the `Llama`'s context (as ocr's decoder
    copies it) unless `flash_attn` (-1 auto, 0 off, 1 on) says otherwise. Returns the tokens generated."""
    import llama_cpp as L

    params = L.llama_context_default_params()
    params.n_ctx = (len(prompt) + max_tokens + 16) * n
    params.n_batch = params.n_ubatch = 512
    params.n_seq_max = n
    params.n_threads = params.n_threads_batch = llm.context_params.n_threads
    params.flash_attn_type = llm.context_params.flash_attn_type if flash_attn is None else flash_attn
    ctx = L.llama_init_from_model(llm._model.model, params)
    mem = L.llama_get_memory(ctx)
    vocab = llm._model.vocab
    batch = L.llama_batch_init(max(512, n), 0, 1)
    chains = []
    for seed in seeds[:n]:
        chain = L.llama_sampler_chain_init(L.llama_sampler_chain_default_params())
        L.llama_sampler_chain_add(chain, L.llama_sampler_init_top_k(40))
        L.llama_sampler_chain_add(chain, L.llama_sampler_init_top_p(0.95, 1))
        L.llama_sampler_chain_add(chain, L.llama_sampler_init_min_p(0.05, 1))
        L.llama_sampler_chain_add(chain, L.llama_sampler_init_temp(temperature))
        L.llama_sampler_chain_add(chain, L.llama_sampler_init_dist(seed))
        chains.append(chain)
    try:
        for i, token in enumerate(prompt):
            batch.token[i], batch.pos[i], batch.n_seq_id[i] = token, i, 1
            batch.seq_id[i][0], batch.logits[i] = 0, i == len(prompt) - 1
        batch.n_tokens = len(prompt)
        assert L.llama_decode(ctx, batch) == 0
        for s in range(1, n):
            L.llama_memory_seq_cp(mem, 0, s, -1, -1)
        last = [L.llama_sampler_sample(chains[s], ctx, len(prompt) - 1) for s in range(n)]
        counts = [0 if L.llama_vocab_is_eog(vocab, t) else 1 for t in last]
        live = [c == 1 and max_tokens > 1 for c in counts]
        pos = len(prompt)
        while any(live):
            rows = [s for s in range(n) if live[s]]
            for i, s in enumerate(rows):
                batch.token[i], batch.pos[i], batch.n_seq_id[i] = last[s], pos, 1
                batch.seq_id[i][0], batch.logits[i] = s, True
            batch.n_tokens = len(rows)
            assert L.llama_decode(ctx, batch) == 0
            pos += 1
            for i, s in enumerate(rows):
                last[s] = L.llama_sampler_sample(chains[s], ctx, i)
                if L.llama_vocab_is_eog(vocab, last[s]):
                    live[s] = False
                    continue
                counts[s] += 1
                live[s] = counts[s] < max_tokens
        produced = sum(counts)
        return produced
    finally:
        for chain in chains:
            L.llama_sampler_free(chain)
        L.llama_batch_free(batch)
        L.llama_free(ctx)


def machine() -> str:
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{platform.machine()} {os.cpu_count()} CPUs, {python}"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [[f"{c:.3f}" if isinstance(c, float) else str(c) for c in r]
                                           for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for k, row in enumerate(cells):
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def print_json(name: str, figures: dict[str, object]) -> None:
    print(json.dumps({"benchmark": name, "machine": machine(), **figures}))
