import sys
from collections import Counter


def main() -> None:
    data = sys.stdin.buffer.read().split()
    n, k = int(data[0]), int(data[1])
    seen: Counter[int] = Counter()
    total = 0
    for token in data[2 : 2 + n]:
        x = int(token)
        total += seen[k - x]
        seen[x] += 1
    print(total)


main()
