# ruff: noqa: E501
"""Continuous batching against whole-phase batches: drafts of uneven length, each followed by a critique.

Run: python benchmarks/continuous_batching.py [--sizes 4,8] [--longest 384] [--critic-tokens 128]
     [--threads 1] [--repeats 1] [--critiques equal|spread]

The embedded model through `LlamaEngine`, greedy. N drafts whose lengths spread evenly up to
`--longest` tokens (a reasoning model's answers vary as much), then one critique per draft (its
prompt holds the draft): each `--critic-tokens` long (`equal`), or spread evenly up to it in a
shuffled order (`spread`; seeded, so every run gives the same lengths). The tiny model writes to
its token limit, so these limits are the answers' lengths.
- staged: one `generate_batch` for the drafts (the batch drains to the longest one), then one for
  the critiques, as a solve round did before;
- continuous: one `generate_stream` over a `RequestFeed`; each draft's critique is submitted the
  moment the draft ends and takes the slot it freed.
Both run in turn in this one process (`--repeats` times, best kept); the table gives aggregate
generated tokens/s, the `llama_decode` calls each made (prompt chunks and steps: where a step costs
about the same whatever its width, as on a GPU, these are the time), and whether both produced the
same tokens. Prints one JSON line too.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _llama_common import print_json, print_table

from ocr_cli.config import Settings
from ocr_cli.engines.base import GenerationRequest, GenerationResult, Message, SamplingParams
from ocr_cli.engines.llama import LlamaEngine
from ocr_cli.engines.request_feed import RequestFeed
from ocr_cli.models.registry import resolve_model

TOPICS = ["the sea", "mountains", "binary search", "prime numbers", "the history of chess", "rivers",
          "sorting algorithms", "the moon"]


def drafts(n: int, longest: int) -> list[GenerationRequest]:
    return [GenerationRequest((Message("user", f"Write a long, detailed essay about {TOPICS[i % len(TOPICS)]}."),),
                              SamplingParams(temperature=0, max_tokens=max(8, longest * (i + 1) // n)))
            for i in range(n)]


def critique_lengths(n: int, args: argparse.Namespace) -> list[int]:
    if args.critiques == "equal":
        return [args.critic_tokens] * n
    lengths = [max(8, args.critic_tokens * (i + 1) // n) for i in range(n)]
    random.Random(0).shuffle(lengths)
    return lengths


def critique(draft: GenerationResult, tokens: int) -> GenerationRequest:
    text = f"Review this essay and say whether it is right or wrong.\n\n{draft.text}"
    return GenerationRequest((Message("user", text),), SamplingParams(temperature=0, max_tokens=tokens))


#: seconds, texts (drafts then critiques), generated tokens, llama_decode calls
Run = tuple[float, list[str], int, int]


def staged(engine: LlamaEngine, n: int, args: argparse.Namespace) -> Run:
    start = time.perf_counter()
    first = engine.generate_batch(drafts(n, args.longest))
    calls = engine.decoder.stats.decode_calls
    second = engine.generate_batch([critique(d, t) for d, t in zip(first, critique_lengths(n, args), strict=True)])
    calls += engine.decoder.stats.decode_calls
    results = first + second
    return (time.perf_counter() - start, [r.text for r in results], sum(r.completion_tokens for r in results),
            calls)


def continuous(engine: LlamaEngine, n: int, args: argparse.Namespace) -> Run:
    feed = RequestFeed()
    texts: dict[int, str] = {}
    tokens = [0]
    lengths = critique_lengths(n, args)
    critique_of: dict[int, int] = {}

    def on_result(key: int, result: GenerationResult) -> None:
        tokens[0] += result.completion_tokens
        if key < n:
            critique_of[feed.submit(critique(result, lengths[key]))] = key
            texts[key] = result.text
        else:
            texts[n + critique_of[key]] = result.text
        if len(texts) == 2 * n:
            feed.close()

    start = time.perf_counter()
    for request in drafts(n, args.longest):
        feed.submit(request)
    engine.generate_stream(feed, on_result, cancel=threading.Event())
    return (time.perf_counter() - start, [texts[i] for i in range(2 * n)], tokens[0],
            engine.decoder.stats.decode_calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,8")
    parser.add_argument("--longest", type=int, default=384)
    parser.add_argument("--critic-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--ctx", type=int, default=8192)
    parser.add_argument("--critiques", choices=("equal", "spread"), default="spread")
    args = parser.parse_args()
    engine = LlamaEngine.open(resolve_model(None), Settings(n_ctx=args.ctx, threads=args.threads, batched=True))
    rows, figures = [], {}
    try:
        for n in [int(x) for x in args.sizes.split(",")]:
            best: dict[str, float] = {}
            outputs: dict[str, list[str]] = {}
            tokens = 0
            calls: dict[str, int] = {}
            for _ in range(args.repeats):
                for name, run in (("staged", staged), ("continuous", continuous)):
                    seconds, texts, tokens, calls[name] = run(engine, n, args)
                    best[name] = min(best.get(name, float("inf")), seconds)
                    outputs[name] = texts
            same = outputs["staged"] == outputs["continuous"]
            ratio = best["staged"] / best["continuous"]
            rows.append([n, tokens, best["staged"], best["continuous"], tokens / best["staged"],
                         tokens / best["continuous"], ratio, calls["staged"], calls["continuous"],
                         "yes" if same else "no"])
            figures[f"n{n}"] = {"tokens": tokens, "staged_s": round(best["staged"], 2),
                                "continuous_s": round(best["continuous"], 2), "ratio": round(ratio, 3),
                                "staged_calls": calls["staged"], "continuous_calls": calls["continuous"],
                                "same_output": same}
    finally:
        engine.close()
    print(f"drafts up to {args.longest} tokens, then a critique each ({args.critiques}, up to {args.critic_tokens}); "
          f"greedy; {args.threads} threads; context {args.ctx}")
    print_table(["N", "tokens", "staged s", "continuous s", "staged tok/s", "continuous tok/s",
                 "continuous/staged", "staged calls", "continuous calls", "same output"], rows)
    print_json("continuous_batching", {"longest": args.longest, "critic_tokens": args.critic_tokens,
                                       "critiques": args.critiques,
                                       "threads": args.threads, **figures})


if __name__ == "__main__":
    main()
