# ruff: noqa: E501
"""Aggregate generated tokens/s for N = 1, 2, 4, 8 candidates: batched vs one after another.

Run: /tmp/venv/bin/python benchmarks/batched_generation.py [--tokens 64] [--repeats 2] [--threads 2]

Columns, all measured side by side in this run with the embedded model, the same prompt, seeds and
sampler chain (top-k 40, top-p 0.95, min-p 0.05, temperature 0.7), so every variant generates the
same tokens:
- `seq`: ocr's decoder one candidate at a time (N calls of N = 1; the prompt is cached after the first),
- `ocr`: ocr's batched path (`BatchedDecoder.decode` with N prompts),
- `bare`: a bare low-level llama.cpp batched loop written here (examples/batched, no text handling),
- `ocr/seq`: the batching gain; `ocr/bare`: ocr's overhead against the bare loop.
Wall time includes evaluating the prompt. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _llama_common import (
    CODE_REQUEST,
    bare_batched_loop,
    chat_tokens,
    interleaved,
    load_llama,
    print_json,
    print_table,
)

from ocr_cli.engines.base import SamplingParams
from ocr_cli.engines.llama_batch import BatchedDecoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=64, help="tokens per candidate")
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs per figure")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sizes", default="1,2,4,8")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: process CPU time (use with --threads 1 on a busy machine)")
    args = parser.parse_args()
    llm = load_llama(threads=args.threads)
    prompt = chat_tokens(llm, CODE_REQUEST)
    sizes = [int(x) for x in args.sizes.split(",")]
    rows, figures = [], {}
    for n in sizes:
        seeds = list(range(1, n + 1))
        params = [SamplingParams(temperature=0.7, top_k=40, top_p=0.95, min_p=0.05, seed=s, max_tokens=args.tokens)
                  for s in seeds]
        # Every variant starts from a fresh context (created inside the timing) and evaluates the
        # prompt once; `seq` then reuses it for its later candidates, as the single path does.
        def sequential(params: list[SamplingParams] = params) -> int:
            decoder = BatchedDecoder(llm)
            return sum(decoder.decode([prompt], [p])[0].completion_tokens for p in params)

        def batched(n: int = n, params: list[SamplingParams] = params) -> int:
            return sum(o.completion_tokens for o in BatchedDecoder(llm).decode([prompt] * n, params))

        def bare(n: int = n, seeds: list[int] = seeds) -> int:
            return bare_batched_loop(llm, prompt, n, args.tokens, seeds)

        (t_seq, k_seq), (t_ocr, k_ocr), (t_bare, k_bare) = interleaved([sequential, batched, bare], args.repeats,
                                                                  args.clock)
        seq, ocr, bare_rate = k_seq / t_seq, k_ocr / t_ocr, k_bare / t_bare
        rows.append([n, k_ocr, seq, ocr, bare_rate, ocr / seq, ocr / bare_rate])
        figures[f"n{n}"] = {"tokens": k_ocr, "tokens_seq": k_seq, "tokens_bare": k_bare,
                            "seq_tps": round(seq, 2), "ocr_tps": round(ocr, 2), "bare_tps": round(bare_rate, 2),
                            "ocr_over_seq": round(ocr / seq, 3), "ocr_over_bare": round(ocr / bare_rate, 3)}
    print(f"prompt {len(prompt)} tokens, {args.tokens} tokens per candidate, {args.threads} threads, "
          f"{args.clock} clock, best of {args.repeats}")
    print_table(["N", "tokens", "seq tok/s", "ocr tok/s", "bare tok/s", "ocr/seq", "ocr/bare"], rows)
    print_json("batched_generation", {"tokens_per_candidate": args.tokens, "threads": args.threads,
                                       "clock": args.clock, **figures})


if __name__ == "__main__":
    main()
