# ruff: noqa: E501
"""One KV pool per model, before and after: long-answer batching, memory, preemption, critic scoring.

Run: python benchmarks/batched_pool.py --before DIR [--threads 1] [--max-tokens 6000] [--ctx 8192]

`DIR` holds the ocr_cli package to compare against (e.g. `git archive <commit> ocr_cli | tar -x -C DIR`).
Every figure comes from a fresh process (`--worker`, so peak RSS is the variant's own) with the
embedded model; the variants run interleaved, side by side in this run:

- reasoning: N requests for a program with its explanation (seeds 1..N, temperature 0.7,
  `--max-tokens` each, context `--ctx`) through `LlamaEngine.generate_batch`; aggregate generated
  tokens/s, N = 1 and each of `--sizes`. The tiny model ends its answers long before 6000 tokens;
  what the budget changes is what the engine reserves (before: every request in a group of its own);
- memory: peak RSS of the same with short answers (64 tokens), N = 1 and 4;
- critic: 4 critiques of the `pairs` example (`--critic-tokens` each); p(right) scored afterwards with
  `score_choices` (before) or inside the batch (after: `DecodeStats.scoring_s`, the time spent
  reaching the verdict positions and reading the logits there);
- seeds: the reasoning part's 4 sampled requests (seeds 1..4) batched, then each alone: equal texts;
- preempt: 4 greedy answers in a pool of `--tiny` cells against a roomy one and against each
  answer decoded alone: equal tokens (and for how many leading tokens), throughput, preemptions
  and compactions.
Prints a table per part and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _llama_common import CODE_REQUEST, print_json, print_table

ROOT = Path(__file__).resolve().parents[1]
ESSAY = ("Write a long, detailed essay on the history of computing, from the abacus to modern "
         "processors, with many sections, examples and dates.")
CODES = [
    "n, k = map(int, input().split())\na = list(map(int, input().split()))\nprint(sum(1 for i in range(n) for j in range(i + 1, n) if a[i] + a[j] == k))",
    "n, k = map(int, input().split())\nprint(k)",
    "print(0)",
    "import itertools\nn, k = map(int, input().split())\na = list(map(int, input().split()))\nprint(sum(x + y == k for x, y in itertools.combinations(a, 2)))",
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    from ocr_cli.config import load_settings
    from ocr_cli.engines.base import GenerationRequest, Message, SamplingParams
    from ocr_cli.engines.llama import LlamaEngine
    from ocr_cli.models.registry import resolve_model

    engine = LlamaEngine.open(resolve_model(None), load_settings({"threads": spec["threads"], "n_ctx": spec["ctx"]}))
    loaded = rss_mb()
    out: dict[str, Any] = {"rss_loaded_mb": round(loaded, 1)}
    if spec["part"] in ("reasoning", "memory"):
        n = spec["n"]
        requests = [GenerationRequest((Message("user", CODE_REQUEST),),
                                      SamplingParams(temperature=0.7, seed=s, max_tokens=spec["max_tokens"]))
                    for s in range(1, n + 1)]
        start, cpu = time.perf_counter(), time.process_time()
        results = engine.generate_batch(requests)
        out["seconds"] = time.perf_counter() - start
        out["cpu_s"] = time.process_time() - cpu
        out["tokens"] = sum(r.completion_tokens for r in results)
        out["longest"] = max(r.completion_tokens for r in results)
    elif spec["part"] == "seeds":
        requests = [GenerationRequest((Message("user", CODE_REQUEST),),
                                      SamplingParams(temperature=0.7, seed=s, max_tokens=spec["max_tokens"]))
                    for s in range(1, 5)]
        batched = [r.text for r in engine.generate_batch(requests)]
        alone = [engine.generate_batch([r])[0].text for r in requests]
        out["equal"] = [a == b for a, b in zip(batched, alone, strict=True)]
        out["chars"] = [len(t) for t in batched]
    elif spec["part"] == "critic":
        from ocr_cli.language import Language
        from ocr_cli.problem.loader import load_problem
        from ocr_cli.prompts.builders import critic_messages
        from ocr_cli.solve import critic

        problem = load_problem(ROOT / "examples" / "pairs" / "statement.txt")
        params = SamplingParams(temperature=0.6, seed=1, max_tokens=spec["max_tokens"])
        plain = [GenerationRequest(critic_messages(problem, code, Language.PYTHON), params) for code in CODES]
        start = time.perf_counter()
        results = engine.generate_batch(plain)
        out["generate_s"] = time.perf_counter() - start
        if hasattr(critic, "VERDICT_SCORING"):  # scored inside the batch
            scored = [GenerationRequest(r.messages, params, score_at=critic.VERDICT_SCORING) for r in plain]
            start = time.perf_counter()
            again = engine.generate_batch(scored)
            out["generate_scored_s"] = time.perf_counter() - start
            out["scoring_s"] = engine.decoder.stats.scoring_s
            out["scoring_tokens"] = sum(r.scoring_tokens for r in again)
            out["scored"] = sum(r.choice_probabilities is not None for r in again)
            out["same_text"] = [r.text for r in again] == [r.text for r in results]
        else:
            start = time.perf_counter()
            scores = [critic.score_verdict(engine, r.messages, res.text) for r, res in zip(plain, results, strict=True)]
            out["scoring_s"] = time.perf_counter() - start
            out["scored"] = sum(s is not None for s in scores)
        out["tokens"] = sum(r.completion_tokens for r in results)
    elif spec["part"] == "preempt":
        from ocr_cli.engines.llama_batch import BatchedDecoder

        prompts = [engine.tokenize(engine.render_prompt(GenerationRequest((Message("user", q),))))
                   for q in (ESSAY, "Explain binary search in detail.", "Write a long essay about the sea.",
                             "Describe how a compiler works, step by step.")]
        params = [SamplingParams(temperature=0, max_tokens=spec["max_tokens"])] * len(prompts)
        for name, cells in (("roomy", spec["ctx"]), ("tiny", spec["tiny"])):
            decoder = BatchedDecoder(engine.llama, max_ctx=cells)
            start = time.perf_counter()
            outcomes = decoder.decode(prompts, params)
            out[name] = {"seconds": time.perf_counter() - start, "tokens": sum(o.completion_tokens for o in outcomes),
                         "preemptions": decoder.stats.preemptions, "resumed": decoder.stats.resumed_tokens,
                         "peak_cells": decoder.stats.peak_cells, "compactions": getattr(decoder.pool, "compactions", 0),
                         "compaction_s": getattr(decoder.pool, "compaction_s", 0.0),
                         "outputs": [o.tokens for o in outcomes]}
            decoder.close()
        decoder = BatchedDecoder(engine.llama, max_ctx=spec["ctx"])
        alone = [decoder.decode([prompt], [p])[0].tokens for prompt, p in zip(prompts, params, strict=True)]
        decoder.close()
        for name in ("roomy", "tiny"):
            outputs = out[name].pop("outputs")
            out[name]["equal_alone"] = outputs == alone
            out[name]["agree_alone"] = [next((i for i, (a, b) in enumerate(zip(o, r, strict=False)) if a != b), min(len(o), len(r)))
                                        for o, r in zip(outputs, alone, strict=True)]
            out[name]["outputs"] = outputs
        out["equal"] = out["roomy"].pop("outputs") == out["tiny"].pop("outputs")
    out["rss_peak_mb"] = round(rss_mb(), 1)
    engine.close()
    return out


def run_worker(code: Path, spec: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(code))
    done = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"worker failed ({code}, {spec}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="folder holding the ocr_cli to compare against")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ctx", type=int, default=8192)
    parser.add_argument("--max-tokens", type=int, default=6000)
    parser.add_argument("--sizes", default="4,8")
    parser.add_argument("--critic-tokens", type=int, default=256)
    parser.add_argument("--tiny", type=int, default=1024, help="cells of the pool forced to preempt")
    parser.add_argument("--preempt-tokens", type=int, default=400)
    parser.add_argument("--parts", default="reasoning,memory,critic,seeds,preempt")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    after = ROOT
    codes = {"after": after} if args.before is None else {"before": args.before.resolve(), "after": after}
    parts = args.parts.split(",")
    base = {"threads": args.threads, "ctx": args.ctx}
    figures: dict[str, Any] = {"threads": args.threads, "ctx": args.ctx}
    if "reasoning" in parts:
        rows = []
        for n in [1, *[int(x) for x in args.sizes.split(",")]]:
            for name, code in codes.items():
                r = run_worker(code, {**base, "part": "reasoning", "n": n, "max_tokens": args.max_tokens})
                figures[f"reasoning_{name}_n{n}"] = r
                one = figures.get(f"reasoning_{name}_n1")
                rate, cpu_rate = r["tokens"] / r["seconds"], r["tokens"] / r["cpu_s"]
                gain = rate / (one["tokens"] / one["seconds"]) if one else 1.0
                cpu_gain = cpu_rate / (one["tokens"] / one["cpu_s"]) if one else 1.0
                rows.append([name, n, r["tokens"], r["longest"], round(r["seconds"], 1), rate, gain, cpu_rate, cpu_gain,
                             r["rss_peak_mb"]])
        print(f"reasoning: --max-tokens {args.max_tokens} in a {args.ctx} context, {args.threads} threads "
              "(tok/cpu-s: per second of this process's CPU time, steadier on a busy machine)")
        print_table(["code", "N", "tokens", "longest", "seconds", "tok/s", "vs N=1", "tok/cpu-s", "vs N=1 (cpu)",
                     "peak RSS MB"], rows)
    if "memory" in parts:
        rows = []
        for name, code in codes.items():
            for n in (1, 4):
                r = run_worker(code, {**base, "part": "memory", "n": n, "max_tokens": 64})
                figures[f"memory_{name}_n{n}"] = r
                rows.append([name, n, r["rss_loaded_mb"], r["rss_peak_mb"]])
        print(f"memory: 64 tokens each, context {args.ctx}")
        print_table(["code", "N", "RSS after load MB", "peak RSS MB"], rows)
    if "critic" in parts:
        rows = []
        for name, code in codes.items():
            r = run_worker(code, {**base, "part": "critic", "max_tokens": args.critic_tokens})
            figures[f"critic_{name}"] = r
            rows.append([name, r["tokens"], round(r["generate_s"], 2), round(r["scoring_s"], 2), r["scored"],
                         r.get("scoring_tokens", "-")])
        print(f"critic: 4 critiques, {args.critic_tokens} tokens each")
        print_table(["code", "critique tokens", "generate s", "p(right) s", "scored", "scoring tokens"], rows)
    if "seeds" in parts:
        rows = []
        for name, code in codes.items():
            r = run_worker(code, {**base, "part": "seeds", "max_tokens": args.max_tokens})
            figures[f"seeds_{name}"] = r
            rows.append([name, " ".join("yes" if e else "no" for e in r["equal"]), "/".join(map(str, r["chars"]))])
        print(f"seeds: 4 sampled requests (temperature 0.7, seeds 1..4, --max-tokens {args.max_tokens}) batched "
              "against each alone")
        print_table(["code", "equal to alone", "characters (batched)"], rows)
    if "preempt" in parts:
        rows = []
        for code_name, code in codes.items():
            r = run_worker(code, {**base, "part": "preempt", "max_tokens": args.preempt_tokens, "tiny": args.tiny})
            figures[f"preempt_{code_name}"] = r
            rows += [[code_name, name, args.ctx if name == "roomy" else args.tiny, r[name]["tokens"],
                      r[name]["preemptions"], r[name]["resumed"],
                      f"{r[name]['compactions']} ({r[name]['compaction_s']:.3f})", r[name]["peak_cells"],
                      r[name]["tokens"] / r[name]["seconds"], r[name]["equal_alone"],
                      "/".join(map(str, r[name]["agree_alone"])), r["rss_peak_mb"]] for name in ("roomy", "tiny")]
        print(f"preempt: 4 greedy answers, {args.preempt_tokens} tokens each; '= alone': equal to each answer "
              "decoded alone; 'agree': leading tokens equal to it, per answer")
        print_table(["code", "pool", "cells", "tokens", "preemptions", "re-evaluated", "compactions (s)",
                     "peak cells", "tok/s", "= alone", "agree", "peak RSS MB"], rows)
    print_json("batched_pool", figures)


if __name__ == "__main__":
    main()
