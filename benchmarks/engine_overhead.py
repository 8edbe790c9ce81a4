# ruff: noqa: E501
"""ocr's single-candidate tokens/s vs. a bare llama-cpp-python `create_completion` loop, same prompt.

Run: /tmp/venv/bin/python benchmarks/engine_overhead.py [--tokens 96] [--repeats 3] [--threads 2] [--clock wall|cpu]

Both run greedy on the same `Llama` object (ocr's `LlamaEngine` over the embedded model), so they
generate the same tokens; the prompt is cached after the first run in both. Also shown: ocr's batched
decoder at N = 1. Prints a table and one JSON line; `ocr/bare` is the overhead ratio (target ≥ 0.95).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _llama_common import CODE_REQUEST, interleaved, load_llama, print_json, print_table

from ocr_cli.config import load_settings
from ocr_cli.engines.base import GenerationRequest, Message, SamplingParams
from ocr_cli.engines.llama import LlamaEngine
from ocr_cli.engines.llama_batch import BatchedDecoder
from ocr_cli.models.registry import resolve_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args()
    settings = load_settings({"threads": args.threads, "n_ctx": 4096})
    engine = LlamaEngine.open(resolve_model(None), settings)
    # The bare path gets a `Llama` of its own: the engine's uses the decoder's context, whose cache
    # the decoder tracks. Flash attention on, as in the engine's context.
    llm = load_llama(n_ctx=4096, threads=args.threads, flash_attn=True)
    request = GenerationRequest((Message("user", CODE_REQUEST),),
                                SamplingParams(temperature=0, top_k=1, max_tokens=args.tokens))
    prompt = engine.tokenize(engine.render_prompt(request))
    decoder = BatchedDecoder(engine.llama)

    def ocr_single() -> int:
        return engine.generate(request).completion_tokens

    def bare() -> int:
        out = llm.create_completion(prompt, max_tokens=args.tokens, temperature=0, top_k=1, repeat_penalty=1.0)
        return int(out["usage"]["completion_tokens"])

    def ocr_batched_one() -> int:
        return decoder.decode([prompt], [request.params])[0].completion_tokens

    (t_ocr, k_ocr), (t_bare, k_bare), (t_dec, k_dec) = interleaved([ocr_single, bare, ocr_batched_one],
                                                                   args.repeats, args.clock)
    ocr, bare_rate, dec = k_ocr / t_ocr, k_bare / t_bare, k_dec / t_dec
    print(f"prompt {len(prompt)} tokens, {args.threads} threads, {args.clock} clock, best of {args.repeats}")
    print_table(["path", "tokens", "tok/s", "vs bare"], [
        ["bare create_completion", k_bare, bare_rate, 1.0],
        ["ocr LlamaEngine.generate", k_ocr, ocr, ocr / bare_rate],
        ["ocr BatchedDecoder N=1", k_dec, dec, dec / bare_rate],
    ])
    print_json("engine_overhead", {"threads": args.threads, "clock": args.clock, "prompt_tokens": len(prompt),
                                   "tokens": {"ocr": k_ocr, "bare": k_bare, "decoder": k_dec},
                                   "bare_tps": round(bare_rate, 2), "ocr_tps": round(ocr, 2),
                                   "decoder_tps": round(dec, 2), "ocr_over_bare": round(ocr / bare_rate, 3),
                                   "decoder_over_bare": round(dec / bare_rate, 3)})
    engine.close()


if __name__ == "__main__":
    main()
