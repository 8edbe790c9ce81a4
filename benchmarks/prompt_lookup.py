# ruff: noqa: E501
"""Revision with and without prompt-lookup decoding: tokens/s and draft acceptance.

Run: /tmp/venv/bin/python benchmarks/prompt_lookup.py [--tokens 128] [--repeats 2] [--threads 2] [--clock wall|cpu]

The prompt is ocr's real reviser prompt (the `divisor` example, its wrong solution, a judge feedback
line): a revision mostly repeats the previous code, which prompt lookup drafts from the prompt.
Variants, side by side on ocr's batched decoder: N = 1 greedy, N = 4 greedy (identical prompts),
N = 4 sampled at temperature 0.7 with distinct seeds. Greedy outputs are the same with and without
drafting (checked). Prints a table and one JSON line.
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
from ocr_cli.engines.prompt_lookup import LookupOptions
from ocr_cli.language import Language
from ocr_cli.models.registry import resolve_model
from ocr_cli.problem.loader import load_problem
from ocr_cli.prompts.builders import reviser_messages

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args()
    engine = LlamaEngine.open(resolve_model(None), load_settings({"threads": args.threads, "n_ctx": 4096}))
    example = ROOT / "examples" / "divisor"
    problem = load_problem(example / "statement.txt")
    code = next((example / "solutions").glob("*.py")).read_text()
    feedback = "Wrong answer on test 2: expected 1, got -1. The program must print the smallest divisor."
    request = GenerationRequest(reviser_messages(problem, code, feedback, Language.PYTHON))
    prompt = engine.tokenize(engine.render_prompt(request))
    greedy = SamplingParams(temperature=0, top_k=1, max_tokens=args.tokens)
    sampled = [SamplingParams(temperature=0.7, top_k=40, top_p=0.95, min_p=0.05, seed=s, max_tokens=args.tokens)
               for s in range(1, 5)]
    cases = [("N=1 greedy", [greedy]), ("N=4 greedy", [greedy] * 4), ("N=4 t=0.7", sampled)]
    rows, figures = [], {}
    for name, params in cases:
        stats: dict[str, object] = {}
        outputs: dict[str, list[list[int]]] = {}

        def run(lookup: bool, params: list[SamplingParams] = params, stats: dict[str, object] = stats,
                outputs: dict[str, list[list[int]]] = outputs) -> int:
            decoder = BatchedDecoder(engine.llama, lookup=LookupOptions() if lookup else None)
            outcomes = decoder.decode([prompt] * len(params), params)
            stats["on" if lookup else "off"] = decoder.stats
            outputs["on" if lookup else "off"] = [o.tokens for o in outcomes]
            return sum(o.completion_tokens for o in outcomes)

        (t_off, k_off), (t_on, k_on) = interleaved([lambda: run(False), lambda: run(True)], args.repeats, args.clock)
        on = stats["on"]
        accepted, drafted = on.accepted_draft_tokens, on.drafted_tokens  # type: ignore[attr-defined]
        same = outputs["on"] == outputs["off"]
        rows.append([name, k_off, k_off / t_off, k_on / t_on, (k_on / t_on) / (k_off / t_off),
                     f"{accepted}/{drafted}", "yes" if same else "no"])
        figures[name.replace(" ", "_").replace("=", "")] = {
            "tokens_off": k_off, "tokens_on": k_on, "tps_off": round(k_off / t_off, 2), "tps_on": round(k_on / t_on, 2),
            "speedup": round((k_on / t_on) / (k_off / t_off), 3), "accepted": accepted, "drafted": drafted,
            "same_output": same}
    print(f"reviser prompt {len(prompt)} tokens, up to {args.tokens} tokens each, {args.threads} threads, "
          f"{args.clock} clock, best of {args.repeats}")
    print_table(["case", "tokens", "tok/s off", "tok/s lookup", "speedup", "accepted/drafted", "same output"], rows)
    print_json("prompt_lookup", {"threads": args.threads, "clock": args.clock, "prompt_tokens": len(prompt), **figures})
    engine.close()


if __name__ == "__main__":
    main()
