"""Tokens/s of the embedded model through LlamaEngine: all physical cores (ocr's default) vs half of
the logical CPUs (llama-cpp-python's own default), measured side by side, interleaved.

    python benchmarks/llama_threads.py [--tokens 128] [--reps 3]

Prints a table and one JSON line. The machine should be quiet: llama.cpp's threads spin at barriers,
so on an oversubscribed CPU more threads can be many times slower; run it once more with
OMP_WAIT_POLICY=PASSIVE to compare (see the numbers in ocr_cli/engines/llama_system.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

from ocr_cli.config import Settings
from ocr_cli.engines.base import GenerationRequest, Message, SamplingParams
from ocr_cli.engines.llama import LlamaEngine
from ocr_cli.engines.llama_system import physical_cores
from ocr_cli.models.registry import resolve_model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    cores = physical_cores()
    half = max(1, (os.cpu_count() or 2) // 2)
    configs = {"physical cores": cores, "half the CPUs": half}
    engines = {name: LlamaEngine.open(resolve_model(None), Settings(n_ctx=1024, threads=threads))
               for name, threads in configs.items()}
    request = GenerationRequest((Message("user", "Write a long story about a lighthouse keeper."),),
                                SamplingParams(temperature=0, max_tokens=args.tokens))
    rates: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(args.reps):
        for name, engine in engines.items():
            engine.decoder.pool.trim_cache(0)  # no prompt cache: every run evaluates the prompt
            result = engine.generate(request)
            rates[name].append(result.completion_tokens / result.elapsed_s)
    print(f"{'threads':<16}{'n':>4}{'tok/s (median)':>18}{'runs':>30}")
    for name, threads in configs.items():
        runs = ", ".join(f"{r:.1f}" for r in rates[name])
        print(f"{name:<16}{threads:>4}{statistics.median(rates[name]):>18.1f}{runs:>30}")
    ratio = statistics.median(rates["physical cores"]) / statistics.median(rates["half the CPUs"])
    policy = os.environ.get("OMP_WAIT_POLICY")
    shown = policy or "unset"
    print(f"physical/half ratio: {ratio:.2f}  (OMP_WAIT_POLICY={shown}; compare OMP_WAIT_POLICY=PASSIVE)")
    print(json.dumps({"benchmark": "llama_threads", "threads": configs, "tokens": args.tokens,
                      "omp_wait_policy": policy,
                      "tok_s": {k: statistics.median(v) for k, v in rates.items()}, "ratio": ratio}))
    for engine in engines.values():
        engine.close()


if __name__ == "__main__":
    main()
