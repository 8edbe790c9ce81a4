"""The two selection rules side by side: `ocr bench --strategy select` with `--select p-right` and
`--select shortest-critique`, on the bundled examples, with a real critic model.

Run: python benchmarks/select_rules.py [--critic smollm2-135m-instruct] [--n 4] [--max-tokens 200]

The generator is scripted, so that both rules choose among the same drafts: per problem, two right
drafts (`examples/*/solutions/ref.py`) and two that pass the statement's samples by looking them up
and fail the hidden tests, in a fixed order. The critic is the model named by `--critic` (default:
the embedded SmolLM2-135M, which shows the plumbing, not the rules' merit). Prints per rule: problems
solved on the hidden tests, critiques that gave a verdict, and seconds; then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ("divisor", "maximum", "pairs", "parity", "reverse", "sum", "vowels")


def build_script(folder: Path) -> Path:
    """The scripted generator's replies: two right and two sample-only drafts per problem."""
    from ocr_cli.problem.loader import load_problem

    replies = []
    for number, name in enumerate(PROBLEMS):
        statement = ROOT / "examples" / name / "statement.txt"
        title = statement.read_text(encoding="utf-8").splitlines()[0].strip()
        right = (ROOT / "examples" / name / "solutions" / "ref.py").read_text(encoding="utf-8")
        known = {case.input: case.output for case in load_problem(statement).samples}
        lookup = ("import sys\n\ndata = sys.stdin.read()\nKNOWN = " + repr(known)
                  + '\nsys.stdout.write(KNOWN.get(data, "0\\n"))\n')
        order = (("lookup", "right", "lookup", "right") if number % 2 == 0
                 else ("right", "lookup", "lookup", "right"))
        for kind in order:
            code = right if kind == "right" else lookup
            replies.append({"when": title, "text": f"Here is a solution.\n\n```python\n{code}```\n"})
    path = folder / "drafts.json"
    path.write_text(json.dumps({"replies": replies}), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--critic", default="smollm2-135m-instruct")
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    figures: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="ocr-select-") as tmp:
        script = build_script(Path(tmp))
        for rule in ("p-right", "shortest-critique"):
            out = Path(tmp) / f"{rule}.json"
            command = [sys.executable, "-m", "ocr_cli", "bench", str(ROOT / "examples"), "-s", "select",
                       "-n", str(args.n), "--max-tokens", str(args.max_tokens), "--seed", "1",
                       "--select", rule, "--threads", str(args.threads), "--model", f"scripted:{script}",
                       "--critic", args.critic, "-o", str(out), "-q"]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            data = json.loads(out.read_text(encoding="utf-8"))
            runs = [r for r in data["runs"] if r["status"] != "skipped"]
            verdicts = sum(sum(v for k, v in r["critic"].items() if k != "no_verdict") for r in runs)
            critiques = verdicts + sum(r["critic"]["no_verdict"] for r in runs)
            figures[rule] = {"solved": sum(r["solved"] for r in runs), "problems": len(runs),
                             "critiques": critiques, "with_verdict": verdicts,
                             "seconds": round(sum(r["elapsed_s"] for r in runs), 1)}
    for rule, f in figures.items():
        print(f"{rule:18} solved {f['solved']}/{f['problems']}  verdicts {f['with_verdict']}/{f['critiques']}"
              f"  {f['seconds']} s")
    print(json.dumps({"benchmark": "select_rules", "critic": args.critic, **figures}))


if __name__ == "__main__":
    main()
