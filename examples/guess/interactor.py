"""Interactor of "Guess the Number" (testlib's convention): `python3 interactor.py INPUT OUTPUT`.

INPUT holds the secret X. The solution's queries come on stdin, the answers go to stdout. Exit code
0 = accepted, 1 = wrong answer, 3 = the test itself is broken; the message goes to stderr.
"""

import sys

MAX_QUERIES = 30


def verdict(code: int, message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(code)


def main() -> None:
    try:
        with open(sys.argv[1]) as handle:
            secret = int(handle.read().split()[0])
    except (IndexError, OSError, ValueError) as exc:
        verdict(3, f"cannot read the secret: {exc}")
    for asked in range(1, MAX_QUERIES + 1):
        line = sys.stdin.readline()
        if not line:
            verdict(1, f"the solution stopped after {asked - 1} queries without finding X")
        words = line.split()
        if len(words) != 2 or words[0] != "?" or not words[1].lstrip("-").isdigit():
            verdict(1, f"query {asked}: expected '? Y', got {line.strip()[:50]!r}")
        guess = int(words[1])
        if not 1 <= guess <= 10**9:
            verdict(1, f"query {asked}: Y = {guess} is out of range")
        answer = "=" if guess == secret else ("<" if secret < guess else ">")
        print(answer, flush=True)
        if answer == "=":
            with open(sys.argv[2], "w") as out:
                out.write(f"{asked}\n")
            verdict(0, f"found {secret} in {asked} queries")
    verdict(1, f"more than {MAX_QUERIES} queries")


if __name__ == "__main__":
    main()
