"""How often `single`, `select` and `loop` end with a candidate that passes the hidden tests, for the
same token budget, on a few simple problems (default: the bundled `examples/`) with the embedded model.

Run: /tmp/venv/bin/python benchmarks/strategies.py [--problems examples] [--seeds 2] [--token-budget 512]
        [--max-tokens 128] [-n 2] [--rounds 2] [--model SPEC] [--limit K] [--threads T]
The solver sees only the statement's samples; the final code is then judged on the hidden tests
(`tests/` of each problem folder, with its checker when there is one). Prints one line per run, a table
of the pass rate per strategy side by side, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from ocr_cli.bench.problemset import BenchProblem, discover, load_bench_problem
from ocr_cli.config import load_settings
from ocr_cli.engines.factory import EnginePool
from ocr_cli.judge.runner import Judge
from ocr_cli.judge.types import Comparison, JudgeOptions
from ocr_cli.solve import events as ev
from ocr_cli.solve.setup import checker_command, judge_options_from, model_preset, solve_settings_from
from ocr_cli.solve.solver import Solver
from ocr_cli.solve.types import SolveResult, Strategy

STRATEGIES: tuple[Strategy, ...] = ("single", "select", "loop")


def hidden_judge(item: BenchProblem, options: JudgeOptions, build_dir: Path) -> Judge:
    if item.checker is None:
        return Judge(options)
    return Judge(replace(options, comparison=Comparison.CHECKER,
                         checker=checker_command(item.checker, build_dir=build_dir)))


def solve_once(solver: Solver, item: BenchProblem) -> SolveResult:
    result: SolveResult | None = None
    for event in solver.solve(item.problem, item.problem.samples):
        if isinstance(event, ev.SolveFinished):
            result = event.result
    assert result is not None
    return result


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

    items = [load_bench_problem(p) for p in discover([args.problems])]
    items = [i for i in items if not i.interactive and i.hidden_tests and i.problem.samples][: args.limit]
    settings = load_settings({"model": args.model, "n": args.n, "rounds": args.rounds,
                              "token_budget": args.token_budget, "max_tokens": args.max_tokens,
                              "threads": args.threads, "log": False})
    preset, _ = model_preset(settings.model)
    base = solve_settings_from(settings, preset)
    solved = {s: 0 for s in STRATEGIES}
    accepted = {s: 0 for s in STRATEGIES}
    tokens = {s: 0 for s in STRATEGIES}
    seconds = {s: 0.0 for s in STRATEGIES}
    runs = 0
    with EnginePool(settings) as pool, tempfile.TemporaryDirectory(prefix="ocr-bench-") as build:
        generator, critic = pool.generator_and_critic()
        for item in items:
            options = judge_options_from(settings, item.problem)
            judge, final_judge = Judge(options), hidden_judge(item, options, Path(build))
            for seed in range(args.seeds):
                runs += 1
                for strategy in STRATEGIES:
                    solve = replace(base, strategy=strategy, seed=1000 + seed)
                    start = time.perf_counter()
                    result = solve_once(Solver(generator, critic, judge, solve), item)
                    seconds[strategy] += time.perf_counter() - start
                    passes = False
                    if result.code is not None:
                        report = final_judge.run(result.code, solve.language, item.judge_tests)
                        passes = report.passed == report.total
                    solved[strategy] += passes
                    accepted[strategy] += result.status == "accepted"
                    tokens[strategy] += result.generated_tokens
                    print(f"{item.key:<22} seed {seed} {strategy:<7} {result.status:<17} "
                          f"hidden {'pass' if passes else 'fail'}  {result.generated_tokens:>5} tokens  "
                          f"{time.perf_counter() - start:6.1f} s", flush=True)
    print()
    print(f"{'strategy':<8} {'solved':>10} {'accepted':>9} {'tokens/run':>11} {'s/run':>7}")
    for strategy in STRATEGIES:  # side by side: same problems, seeds and token budget
        print(f"{strategy:<8} {solved[strategy]:>4}/{runs:<5} {accepted[strategy]:>9} "
              f"{tokens[strategy] / max(runs, 1):>11.0f} {seconds[strategy] / max(runs, 1):>7.1f}")
    print(json.dumps({"runs": runs, "token_budget": args.token_budget, "max_tokens": args.max_tokens,
                      "n": args.n, "rounds": args.rounds, "model": generator.info.model,
                      "solved": solved, "accepted": accepted, "tokens": tokens,
                      "seconds": {k: round(v, 1) for k, v in seconds.items()}}))


if __name__ == "__main__":
    main()
