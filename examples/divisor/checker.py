"""Checker for "Any Divisor" (testlib argument order: input, contestant output, expected answer).

Exit 0: accepted; exit 1: wrong answer. The expected answer only says whether a divisor exists.
"""
import sys
from pathlib import Path


def main() -> int:
    input_path, output_path, answer_path = sys.argv[1:4]
    n = int(Path(input_path).read_text().split()[0])
    expected = int(Path(answer_path).read_text().split()[0])
    tokens = Path(output_path).read_text().split()
    if len(tokens) != 1:
        print(f"expected one integer, got {len(tokens)} tokens")
        return 1
    try:
        d = int(tokens[0])
    except ValueError:
        print(f"not an integer: {tokens[0][:20]!r}")
        return 1
    if expected == -1:
        if d == -1:
            return 0
        print(f"{n} has no divisor strictly between 1 and itself, got {d}")
        return 1
    if 1 < d < n and n % d == 0:
        return 0
    print(f"{d} is not a divisor of {n} strictly between 1 and {n}")
    return 1


sys.exit(main())
