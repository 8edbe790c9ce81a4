# Input generator for "Largest Number": `python3 gen.py SEED [SIZE]` prints one input.
import random
import sys

random.seed(int(sys.argv[1]))
n = int(sys.argv[2]) if len(sys.argv) > 2 else random.randint(1, 10)
print(n)
print(*(random.randint(-20, 20) for _ in range(n)))
