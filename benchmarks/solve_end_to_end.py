# ruff: noqa: E501
"""`ocr solve` end to end, before and after: whole-solve generated tokens per second.

Run: python benchmarks/solve_end_to_end.py --before DIR [--sizes 4,8] [--max-tokens 256] [--threads 1]
     [--problem samples|critic]

`DIR` holds the ocr_cli package to compare against. Each run is a fresh `ocr solve` process with the
embedded model as generator and critic (`--json --no-log --rounds 1 --seed 1`) on
examples/sum/statement.txt; before and after alternate, so a busy spell hits both. Tokens per
second = generated tokens (drafts + critiques + revisions) / the solve's total seconds.

`--problem critic` cuts the statement before its samples: with no tests the critic judges every
draft whose code parses, so critiques run beside the drafts (the tiny model's drafts almost never
pass the samples, so with them no critique runs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _llama_common import print_json, print_table

ROOT = Path(__file__).resolve().parents[1]


def statement(kind: str) -> Path:
    path = ROOT / "examples" / "sum" / "statement.txt"
    if kind == "samples":
        return path
    cut = Path(tempfile.gettempdir()) / "ocr-bench-sum-no-samples.txt"
    text = path.read_text(encoding="utf-8")
    cut.write_text(text[: text.index("Sample Input")], encoding="utf-8")
    return cut


def solve(code: Path, n: int, args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(code))
    argv = [sys.executable, "-m", "ocr_cli", "solve", str(statement(args.problem)),
            "-n", str(n), "--max-tokens", str(args.max_tokens), "--rounds", str(args.rounds), "--seed", "1",
            "--threads", str(args.threads), "--json", "--no-log", "-q"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"ocr solve failed ({code}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}") from None
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--sizes", default="4,8")
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--problem", choices=("samples", "critic"), default="samples")
    args = parser.parse_args()
    rows, figures = [], {}
    for n in [int(x) for x in args.sizes.split(",")]:
        for name, code in (("before", args.before.resolve()), ("after", ROOT)):
            r = solve(code, n, args)
            tokens, seconds = r["tokens"]["generated"], r["timings"]["total_s"]
            critiques = sum(1 for c in r["candidates"] if c.get("critic") or c.get("critic_p_right") is not None)
            figures[f"{name}_n{n}"] = {"tokens": tokens, "total_s": seconds, "status": r["status"],
                                       "generate_s": r["timings"]["generate_s"],
                                       "critique_s": r["timings"]["critique_s"], "critiques": critiques}
            rows.append([name, n, r["status"], tokens, critiques, seconds, r["timings"]["generate_s"],
                         r["timings"]["critique_s"], tokens / seconds])
        before, after = figures[f"before_n{n}"], figures[f"after_n{n}"]
        rate = (after["tokens"] / after["total_s"]) / (before["tokens"] / before["total_s"])
        figures[f"after_over_before_n{n}"] = round(rate, 3)
    print(f"ocr solve examples/sum ({args.problem}), --max-tokens {args.max_tokens}, --rounds {args.rounds}, "
          f"{args.threads} threads")
    print_table(["code", "-n", "status", "tokens", "critiques", "total s", "generate s", "critique s", "tok/s"],
                rows)
    print_json("solve_end_to_end", {"max_tokens": args.max_tokens, "threads": args.threads,
                                    "problem": args.problem, **figures})


if __name__ == "__main__":
    main()
