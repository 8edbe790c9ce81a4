# ruff: noqa: E501
"""Critic over N candidates of one problem: with and without shared-prefix reuse.

Run: /tmp/venv/bin/python benchmarks/critic_prefix_reuse.py [--n 4] [--tokens 16] [--repeats 2] [--threads 2] [--clock wall|cpu]

The N critic prompts (ocr's real critic template, the `pairs` example problem, N different
candidate programs) share everything up to the candidate's code. Variants, side by side:
- `batched, shared prefix`: ocr's batched path: the common prefix is evaluated once for all N;
- `batched, no sharing`: the same batch, every sequence evaluating its whole prompt;
- `one at a time`: `LlamaEngine.generate` per critique (llama-cpp-python keeps the previous prompt's
  KV, so consecutive critiques already skip the part they share with the one before).
Prints prompt tokens evaluated and time per variant, and one JSON line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _llama_common import interleaved, print_json, print_table

from ocr_cli.config import load_settings
from ocr_cli.engines.base import GenerationRequest, SamplingParams
from ocr_cli.engines.llama import LlamaEngine
from ocr_cli.engines.llama_batch import BatchedDecoder
from ocr_cli.language import Language
from ocr_cli.models.registry import resolve_model
from ocr_cli.problem.loader import load_problem
from ocr_cli.prompts.builders import critic_messages

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = [
    "n, k = map(int, input().split())\na = list(map(int, input().split()))\nprint(sum(1 for i in range(n) for j in range(i + 1, n) if a[i] + a[j] == k))",
    "import sys\nfrom collections import Counter\ndata = sys.stdin.read().split()\nn, k = int(data[0]), int(data[1])\nseen = Counter()\ncount = 0\nfor x in map(int, data[2:2 + n]):\n    count += seen[k - x]\n    seen[x] += 1\nprint(count)",
    "n, k = map(int, input().split())\na = sorted(map(int, input().split()))\ni, j, c = 0, n - 1, 0\nwhile i < j:\n    s = a[i] + a[j]\n    if s == k:\n        c += 1; i += 1; j -= 1\n    elif s < k:\n        i += 1\n    else:\n        j -= 1\nprint(c)",
    "print(0)",
    "n, k = map(int, input().split())\na = list(map(int, input().split()))\nprint(len([x for x in a if k - x in a]) // 2)",
    "import itertools\nn, k = map(int, input().split())\na = list(map(int, input().split()))\nprint(sum(x + y == k for x, y in itertools.combinations(a, 2)))",
    "n, k = map(int, input().split())\na = list(map(int, input().split()))\nprint(n * (n - 1) // 2)",
    "n, k = map(int, input().split())\nprint(k)",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=16, help="tokens per critique")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args()
    engine = LlamaEngine.open(resolve_model(None), load_settings({"threads": args.threads, "n_ctx": 8192}))
    problem = load_problem(ROOT / "examples" / "pairs" / "statement.txt")
    params = SamplingParams(temperature=0, top_k=1, max_tokens=args.tokens)
    requests = [GenerationRequest(critic_messages(problem, code, Language.PYTHON), params)
                for code in CANDIDATES[: args.n]]
    prompts = [engine.tokenize(engine.render_prompt(r)) for r in requests]
    evaluated: dict[str, int] = {}

    def batched(share: bool) -> int:
        decoder = BatchedDecoder(engine.llama, share_prefix=share)
        outcomes = decoder.decode(prompts, [params] * len(prompts))
        evaluated["shared" if share else "unshared"] = decoder.stats.prompt_tokens_evaluated
        return sum(o.completion_tokens for o in outcomes)

    def one_at_a_time() -> int:
        engine.decoder.pool.trim_cache(0)  # start cold, like the batched variants
        results = [engine.generate(r) for r in requests]
        evaluated["single"] = sum(r.prompt_tokens - r.cached_prompt_tokens for r in results)
        return sum(r.completion_tokens for r in results)

    timings = interleaved([lambda: batched(True), lambda: batched(False), one_at_a_time], args.repeats, args.clock)
    total = sum(map(len, prompts))
    names = ["batched, shared prefix", "batched, no sharing", "one at a time"]
    keys = ["shared", "unshared", "single"]
    print(f"{len(prompts)} critic prompts, {total} prompt tokens in all ({min(map(len, prompts))}-{max(map(len, prompts))} each), "
          f"{args.tokens} tokens per critique, {args.threads} threads, {args.clock} clock, best of {args.repeats}")
    print_table(["variant", "prompt tokens evaluated", "seconds"],
                [[name, evaluated[key], t] for name, key, (t, _) in zip(names, keys, timings, strict=True)])
    print_json("critic_prefix_reuse", {
        "n": len(prompts), "prompt_tokens": total, "threads": args.threads, "clock": args.clock,
        **{key: {"evaluated": evaluated[key], "seconds": round(t, 3)} for key, (t, _) in zip(keys, timings, strict=True)},
    })
    engine.close()


if __name__ == "__main__":
    main()
