"""How often `single`, `select` and `loop` end with a candidate that passes the hidden tests, for the
same token budget, on a few simple problems (default: the bundled `examples/`) with the embedded model.

Run: python benchmarks/strategies.py [--problems examples] [--seeds 2] [--token-budget 512]
        [--max-tokens 128] [-n 2] [--rounds 2] [--model SPEC] [--limit K] [--threads T]
It is `ocr bench` run once per seed (the same core: `BenchRunner`, the problem's checker included):
the solver sees only the statement's samples, the final code is judged on the hidden tests. Prints one
line per run, a table of the pass rate per strategy side by side (with "accepted but wrong": answers
ocr accepted that fail the hidden tests), and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from ocr_cli.bench.problemset import discover
from ocr_cli.bench.report import BenchReport, RunRecord, summarize
from ocr_cli.bench.runner import BenchRunner, RunFinished
from ocr_cli.config import STRATEGIES, load_settings
from ocr_cli.engines.factory import EnginePool
from ocr_cli.language import Language
from ocr_cli.solve.setup import model_preset, solve_settings_from


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=Path, default=Path(__file__).resolve().parents[1] / "examples")
    parser.add_argument("--model", default=None)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--token-budget", type=int, default=512)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("-n", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="at most this many problems")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    problems = discover([args.problems])[: args.limit]
    records: list[RunRecord] = []
    model = None
    with EnginePool(load_settings({"model": args.model, "threads": args.threads, "log": False})) as pool, \
            tempfile.TemporaryDirectory(prefix="ocr-strategies-") as tmp:
        for seed in range(args.seeds):
            settings = load_settings({"model": args.model, "n": args.n, "rounds": args.rounds,
                                      "token_budget": args.token_budget, "max_tokens": args.max_tokens,
                                      "threads": args.threads, "log": False, "seed": 1000 + seed})
            pool.settings = settings
            generator, critic = pool.generator_and_critic()
            model = generator.info.model
            solve = solve_settings_from(settings, model_preset(settings.model)[0])
            runner = BenchRunner(generator, critic, settings, solve, strategies=STRATEGIES,
                                 languages=[Language.PYTHON])
            report = BenchReport(config={"strategies": list(STRATEGIES), "languages": ["python"]})

            def show(event: object, seed: int = seed) -> None:
                if isinstance(event, RunFinished) and event.record.status in ("solved", "failed"):
                    r = event.record
                    print(f"{r.problem:<22} seed {seed} {r.strategy:<7} {r.solve_status or '':<17} "
                          f"hidden {'pass' if r.solved else 'fail'}  {r.generated_tokens:>5} tokens  "
                          f"{r.elapsed_s:6.1f} s", flush=True)

            try:
                runner.run(problems, report, Path(tmp) / f"seed-{seed}.json", on_progress=show)
            finally:
                runner.close()
            records.extend(report.records)
    print()
    print(f"{'strategy':<8} {'solved':>10} {'accepted':>9} {'acc.wrong':>10} {'tokens/run':>11} {'s/run':>7}")
    out: dict[str, dict[str, float]] = {}
    for strategy in STRATEGIES:  # side by side: same problems, seeds and token budget
        group = summarize(records, strategy)
        runs = max(group.attempted, 1)
        print(f"{strategy:<8} {group.solved:>4}/{group.attempted:<5} {group.accepted:>9} "
              f"{group.accepted_but_wrong:>10} {group.generated_tokens / runs:>11.0f} "
              f"{group.elapsed_s / runs:>7.1f}")
        out[strategy] = {"runs": group.attempted, "solved": group.solved, "accepted": group.accepted,
                         "accepted_but_wrong": group.accepted_but_wrong, "tokens": group.generated_tokens,
                         "seconds": round(group.elapsed_s, 1)}
    print(json.dumps({"token_budget": args.token_budget, "max_tokens": args.max_tokens, "n": args.n,
                      "rounds": args.rounds, "seeds": args.seeds, "model": model, "strategies": out}))


if __name__ == "__main__":
    main()
