"""Small real programs for the stress tests: solutions, brute forces and generators."""

from __future__ import annotations

from pathlib import Path

#: Maximum of a list: "N" then N integers.
BRUTE = """n = int(input())
a = list(map(int, input().split()))
best = a[0]
for x in a:
    if x > best:
        best = x
print(best)
"""
RIGHT = "input()\nprint(max(map(int, input().split())))\n"
#: Wrong from 4 numbers on.
WRONG_FROM_4 = """n = int(input())
a = list(map(int, input().split()))
print(max(a) + (1 if n >= 4 else 0))
"""
#: A sized generator: `gen.py SEED SIZE` prints SIZE numbers; without SIZE, 1..8 of them.
GEN = """import random, sys
random.seed(int(sys.argv[1]))
n = int(sys.argv[2]) if len(sys.argv) > 2 else random.randint(1, 8)
print(n)
print(*[random.randint(-9, 9) for _ in range(n)])
"""
GEN_CRASHES_ON_7 = """import sys
seed = int(sys.argv[1])
if seed == 7:
    raise SystemExit("seed 7 is bad")
print(1)
print(seed)
"""
BRUTE_SILENT = "input()\ninput()\n"
#: C++: the maximum, but starting from 0 (wrong when every number is negative).
CPP_WRONG = """#include <cstdio>
int main() {
    int n; std::scanf("%d", &n);
    int best = 0;
    for (int i = 0; i < n; ++i) { int x; std::scanf("%d", &x); if (x > best) best = x; }
    std::printf("%d\\n", best);
}
"""
CPP_RIGHT = CPP_WRONG.replace("int best = 0;", "int best = -1000000000;")
CPP_GEN = """#include <cstdio>
#include <cstdlib>
int main(int argc, char** argv) {
    std::srand(std::atoi(argv[1]));
    int n = 1 + std::rand() % 3;
    std::printf("%d\\n", n);
    for (int i = 0; i < n; ++i) std::printf("%d ", std::rand() % 19 - 9);
    std::printf("\\n");
}
"""
CPP_BROKEN = "int main() { return }\n"


def write(folder: Path, **files: str) -> dict[str, Path]:
    """Write NAME=TEXT files (an underscore in NAME becomes a dot); their paths by NAME."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in files.items():
        path = folder / name.replace("_", ".", 1)
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    return paths
