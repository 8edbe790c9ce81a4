# ruff: noqa: E501
"""`ocr stress` speed: `-j 1` vs a bare shell loop doing the same work, and `-j 2` vs `-j 1`.

The shell loop is the classic one: compile the three programs, then
`for i in 1..N: gen $i > in; sol < in > o1; brute < in > o2; cmp o1 o2`. `ocr stress` runs the same
three programs (compiled once each, every run in the sandbox) through the command line. Compiles are
included on both sides: every round gets fresh sources (a comment with the round number), so no
compile cache helps either. The three variants run side by side in each round, so that a machine
whose load changes affects all alike.

Run: python benchmarks/stress_speed.py [--runs N] [--rounds R] [--lang cpp|python]
Prints per-variant times, the two ratios, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROGRAMS = {
    "cpp": {
        "sol": "#include <cstdio>\nint main(){ long long a,b; std::scanf(\"%lld %lld\",&a,&b); std::printf(\"%lld\\n\",a+b); }\n",
        "brute": "#include <cstdio>\nint main(){ long long a,b; std::scanf(\"%lld %lld\",&a,&b); long long s=a; for(long long i=0;i<(b<0?-b:b);++i) s+=(b<0?-1:1); std::printf(\"%lld\\n\",s); }\n",
        "gen": "#include <cstdio>\n#include <cstdlib>\nint main(int c,char**v){ std::srand(std::atoi(v[1])); std::printf(\"%d %d\\n\", std::rand()%201-100, std::rand()%201-100); }\n",
    },
    "python": {
        "sol": "a, b = map(int, input().split())\nprint(a + b)\n",
        "brute": "a, b = map(int, input().split())\ns = a\nfor _ in range(abs(b)):\n    s += 1 if b > 0 else -1\nprint(s)\n",
        "gen": "import random, sys\nrandom.seed(int(sys.argv[1]))\nprint(random.randint(-100, 100), random.randint(-100, 100))\n",
    },
}
SHELL = {
    "cpp": """set -e
g++ -O2 -std=gnu++17 -o sol sol.cpp; g++ -O2 -std=gnu++17 -o brute brute.cpp; g++ -O2 -std=gnu++17 -o gen gen.cpp
for i in $(seq 1 {runs}); do ./gen $i > in; ./sol < in > o1; ./brute < in > o2; cmp -s o1 o2 || exit 1; done
""",
    "python": """set -e
for i in $(seq 1 {runs}); do {python} gen.py $i > in; {python} sol.py < in > o1; {python} brute.py < in > o2; cmp -s o1 o2 || exit 1; done
""",
}


def write_round(folder: Path, lang: str, salt: int) -> None:
    suffix = "cpp" if lang == "cpp" else "py"
    comment = "//" if lang == "cpp" else "#"
    for name, text in PROGRAMS[lang].items():
        (folder / f"{name}.{suffix}").write_text(f"{comment} round {salt}\n{text}", encoding="utf-8")


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stdout}{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100, help="runs per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lang", default="cpp", choices=sorted(PROGRAMS))
    args = parser.parse_args()
    suffix = "cpp" if args.lang == "cpp" else "py"
    totals = {"shell": 0.0, "j1": 0.0, "j2": 0.0}
    with tempfile.TemporaryDirectory(prefix="ocr-stress-bench-") as tmp:
        folder = Path(tmp)
        ocr = [sys.executable, "-m", "ocr_cli", "stress", f"sol.{suffix}", "--brute", f"brute.{suffix}",
               "--gen", f"gen.{suffix}", "--count", str(args.runs), "--json"]
        write_round(folder, args.lang, -1)
        timed([*ocr, "--count", "2"], folder)  # sandbox detection, launcher build, file cache
        salt = 0
        for _ in range(args.rounds):
            for variant in ("shell", "j1", "j2"):
                salt += 1
                write_round(folder, args.lang, salt)  # fresh sources: every variant compiles
                if variant == "shell":
                    script = SHELL[args.lang].format(runs=args.runs, python=sys.executable)
                    totals[variant] += timed(["bash", "-c", script], folder)
                else:
                    totals[variant] += timed([*ocr, "-j", variant[1:]], folder)
    runs = args.runs * args.rounds
    for variant, seconds in totals.items():
        print(f"{variant:>5}: {seconds:7.2f} s for {runs} runs ({runs / seconds:6.1f} runs/s)")
    j1_vs_shell = totals["j1"] / totals["shell"]
    j2_vs_j1 = totals["j2"] / totals["j1"]
    print(f"-j 1 / shell loop: {j1_vs_shell:.2f}x (goal <= 1.5)   -j 2 / -j 1: {j2_vs_j1:.2f}x (goal < 1)")
    print(json.dumps({"lang": args.lang, "runs": runs, "seconds": {k: round(v, 3) for k, v in totals.items()},
                      "j1_over_shell": round(j1_vs_shell, 3), "j2_over_j1": round(j2_vs_j1, 3)}))


if __name__ == "__main__":
    main()
