"""A tiny problem set written into a temporary folder, and a scripted model that knows its answers."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from ocr_cli.engines.base import GenerationRequest
from ocr_cli.engines.scripted import ScriptedEngine, ScriptedReply

RIGHT_ADD = "a, b = map(int, input().split())\nprint(a + b)\n"
WRONG_DOUBLE = "x = int(input())\nprint(x + 2)\n"  # right on the sample (2 -> 4), wrong elsewhere
ANY_DIVISOR = "n = int(input())\nd = next((d for d in range(2, int(n ** 0.5) + 1) if n % d == 0), 0)\n" \
              "print(n // d if d else -1)\n"  # the largest proper divisor: not the tests' answer

CHECKER = textwrap.dedent('''
    import sys
    inp, out, ans = sys.argv[1:4]
    n = int(open(inp).read())
    expected = int(open(ans).read())
    got = open(out).read().split()
    ok = len(got) == 1 and got[0].lstrip("-").isdigit()
    d = int(got[0]) if ok else 0
    ok = ok and ((expected == -1 and d == -1) or (expected != -1 and 1 < d < n and n % d == 0))
    sys.exit(0 if ok else 1)
''')


def _problem(root: Path, slug: str, title: str, samples: list[tuple[str, str]],
             tests: list[tuple[str, str]], meta: dict[str, object] | None = None) -> Path:
    folder = root / slug
    (folder / "tests").mkdir(parents=True)
    parts = [title, "", "Time limit: 1 second", "", "Input", "One line.", "", "Output", "One line.", ""]
    for i, (inp, out) in enumerate(samples, 1):
        parts += [f"Sample Input {i}", inp, "", f"Sample Output {i}", out, ""]
    (folder / "statement.txt").write_text("\n".join(parts))
    for i, (inp, out) in enumerate(tests, 1):
        (folder / "tests" / f"{i}.in").write_text(inp + "\n")
        (folder / "tests" / f"{i}.out").write_text(out + "\n")
    (folder / "meta.json").write_text(json.dumps({"time_limit_s": 2, **(meta or {})}))
    return folder


def write_problem_set(root: Path) -> Path:
    """`add` (the model is right), `double` (wrong but passes the sample), `divisor` (checker), and
    `guess` (interactive)."""
    root.mkdir(parents=True, exist_ok=True)
    _problem(root, "add", "Add Two Numbers", [("1 2", "3")], [("5 7", "12"), ("-3 3", "0"), ("0 0", "0")])
    _problem(root, "double", "Double It", [("2", "4")], [("3", "6"), ("0", "0"), ("-5", "-10")])
    divisor = _problem(root, "divisor", "Proper Divisor", [("12", "2")],
                       [("9", "3"), ("13", "-1"), ("100", "2")], meta={"checker": "check.py"})
    (divisor / "check.py").write_text(CHECKER)
    guess = _problem(root, "guess", "Guess the Number", [], [], meta={"interactive": True})
    (guess / "tests").rmdir()
    return root


def _reply(request: GenerationRequest) -> str:
    prompt = "\n".join(m.content for m in request.messages)
    if "reviewing a solution" in prompt:
        verdict = "wrong" if "Proper Divisor" in prompt else "right"
        return f"Checked the logic.\n<judgement>{verdict}</judgement>"
    if "Add Two Numbers" in prompt:
        code = RIGHT_ADD
    elif "Double It" in prompt:
        code = WRONG_DOUBLE
    else:
        code = ANY_DIVISOR
    return f"Here it is.\n```python\n{code}```\n"


def scripted_model() -> ScriptedEngine:
    """Answers each problem of `write_problem_set` as described there; the critic calls every
    candidate right except the divisor one."""
    return ScriptedEngine([ScriptedReply(text=_reply, repeat=True)])
