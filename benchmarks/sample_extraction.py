"""Sample extraction on a set of real statements: per problem found/expected/match, and the total.

Usage: python benchmarks/sample_extraction.py [SET_DIR] [-v]
SET_DIR holds one folder per problem with `statement.txt` and the official `samples/N.in` / `N.out`
(default ../shared/problems/jakarta2024). Samples match when equal token by token (whitespace-normalised).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ocr_cli.problem.samples import extract_samples
from ocr_cli.problem.testdirs import load_tests


def _tokens(text: str) -> list[str]:
    return text.split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set_dir", nargs="?", default="../shared/problems/jakarta2024", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="show the samples that differ")
    args = parser.parse_args(argv)
    problems = sorted(p for p in args.set_dir.iterdir() if (p / "statement.txt").is_file())
    if not problems:
        print(f"no problems with statement.txt under {args.set_dir}", file=sys.stderr)
        return 2
    matched = exact = doubtful = 0
    print(f"{'problem':<14} {'found':>5} {'expected':>8}  match  byte-exact  doubtful")
    for problem in problems:
        expected = load_tests(problem / "samples")
        extraction = extract_samples((problem / "statement.txt").read_text(encoding="utf-8"))
        found = extraction.samples
        doubtful += len(extraction.doubtful)
        ok = len(found) == len(expected) and all(
            _tokens(f.input) == _tokens(e.input) and _tokens(f.output) == _tokens(e.output)
            for f, e in zip(found, expected, strict=True))
        same = ok and all(f.input == e.input and f.output == e.output
                          for f, e in zip(found, expected, strict=True))
        matched += ok
        exact += same
        print(f"{problem.name:<14} {len(found):>5} {len(expected):>8}  {'yes' if ok else 'NO':<5}  "
              f"{'yes' if same else 'no':<10}  {len(extraction.doubtful)}")
        if args.verbose and not ok:
            for n, f in enumerate(found, start=1):
                print(f"  found #{n}: input={f.input!r} output={f.output!r}")
            for n, e in enumerate(expected, start=1):
                print(f"  expected #{n}: input={e.input!r} output={e.output!r}")
    print(f"total: {matched}/{len(problems)} statements with exactly the official samples "
          f"(token-wise; {exact}/{len(problems)} byte for byte); {doubtful} samples left out as doubtful")
    return 0


if __name__ == "__main__":
    sys.exit(main())
