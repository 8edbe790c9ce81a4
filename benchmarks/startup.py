"""`ocr --help` start-up time vs. `python -c "import typer"` (the floor any typer CLI pays).

Run: /tmp/venv/bin/python benchmarks/startup.py [--repeats 7]

Each command runs in a fresh interpreter; the median wall time of `--repeats` runs is reported,
plus the slowest imports of `ocr --help` from `python -X importtime`. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _llama_common import print_json, print_table

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import typer'": [sys.executable, "-c", "import typer"],
    "ocr --help": [sys.executable, "-m", "ocr_cli", "--help"],
}


def median_time(argv: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def slowest_imports(count: int = 8) -> list[tuple[str, float]]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "ocr_cli", "--help"],
                          capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
        if match and len(match.group(2)) <= 2:  # top-level imports only
            rows.append((match.group(3), int(match.group(1)) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    figures = {name: median_time(argv, args.repeats) for name, argv in COMMANDS.items()}
    typer_time = figures["python -c 'import typer'"]
    print_table(["command", "median s", "vs import typer"],
                [[name, t, t / typer_time] for name, t in figures.items()])
    print("\nslowest top-level imports of `ocr --help` (cumulative s):")
    imports = slowest_imports()
    print_table(["module", "s"], [[m, t] for m, t in imports])
    print_json("startup", {"repeats": args.repeats, **{k: round(v, 4) for k, v in figures.items()},
                           "ocr_over_typer": round(figures["ocr --help"] / typer_time, 3),
                           "slowest_imports": {m: round(t, 4) for m, t in imports}})


if __name__ == "__main__":
    main()
