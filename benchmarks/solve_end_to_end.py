# ruff: noqa: E501
"""`ocr solve` end to end, before and after: whole-solve generated tokens per second.

Run: python benchmarks/solve_end_to_end.py --before DIR [--sizes 4,8] [--max-tokens 256] [--threads 1]

`DIR` holds the ocr_cli package to compare against. Each run is a fresh `ocr solve` process with the
embedded model as generator and critic (`--json --no-log --rounds 1 --seed 1`) on
examples/sum/statement.txt; before and after alternate, so a busy spell hits both. Tokens per
second = generated tokens (drafts + critiques + revisions) / the solve's total seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _llama_common import print_json, print_table

ROOT = Path(__file__).resolve().parents[1]


def solve(code: Path, n: int, args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(code))
    argv = [sys.executable, "-m", "ocr_cli", "solve", str(ROOT / "examples" / "sum" / "statement.txt"),
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
    args = parser.parse_args()
    rows, figures = [], {}
    for n in [int(x) for x in args.sizes.split(",")]:
        for name, code in (("before", args.before.resolve()), ("after", ROOT)):
            r = solve(code, n, args)
            tokens, seconds = r["tokens"]["generated"], r["timings"]["total_s"]
            figures[f"{name}_n{n}"] = {"tokens": tokens, "total_s": seconds, "status": r["status"],
                                       "generate_s": r["timings"]["generate_s"],
                                       "critique_s": r["timings"]["critique_s"]}
            rows.append([name, n, r["status"], tokens, seconds, r["timings"]["generate_s"],
                         r["timings"]["critique_s"], tokens / seconds])
    print(f"ocr solve examples/sum, --max-tokens {args.max_tokens}, --rounds {args.rounds}, {args.threads} threads")
    print_table(["code", "-n", "status", "tokens", "total s", "generate s", "critique s", "tok/s"], rows)
    print_json("solve_end_to_end", {"max_tokens": args.max_tokens, "threads": args.threads, **figures})


if __name__ == "__main__":
    main()
