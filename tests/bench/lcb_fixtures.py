"""LiveCodeBench-format rows written by hand: stdin and functional problems, private tests plain and
compressed (base64 of zlib of a pickled JSON string, as the real files have them), and the script of a
model that knows what to answer."""

from __future__ import annotations

import base64
import json
import pickle
import zlib
from pathlib import Path
from typing import Any

RIGHT_ADD = "a, b = map(int, input().split())\nprint(a + b)\n"
HARDCODED_ADD = "input()\nprint(3)\n"  # passes the public test (1 2 -> 3), fails the private ones
FIRST_ONLY = "print(int(input().split()[0]))\n"  # fails even the public test
WRONG_DOUBLE = "x = int(input())\nprint(x + 2)\n"  # right on the public test (2 -> 4) only
TWO_SUM = ("class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
           "        seen = {}\n        for i, x in enumerate(nums):\n"
           "            if target - x in seen:\n                return [seen[target - x], i]\n"
           "            seen[x] = i\n")
TWO_SUM_STARTER = ("class Solution:\n"
                   "    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        ")
LONG_RIGHT = ("The code reads both numbers and prints their sum, which is what the statement asks for "
              "every input. <judgement>right</judgement>")
SHORT_RIGHT = "Looks fine. <judgement>right</judgement>"


def compress(tests: list[dict[str, str]]) -> str:
    """The compressed form of `private_test_cases`."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def _stdin(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"input": i, "output": o, "testtype": "stdin"} for i, o in pairs]


def _functional(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"input": i, "output": o, "testtype": "functional"} for i, o in pairs]


def _row(qid: str, title: str, platform: str, day: str, difficulty: str, public: list[dict[str, str]],
         private: str, starter: str = "", func: str | None = None) -> dict[str, Any]:
    return {"question_title": title, "question_content": f"{title}: see the examples.", "platform": platform,
            "question_id": qid, "contest_id": qid.split("_")[0], "contest_date": f"{day}T00:00:00",
            "starter_code": starter, "difficulty": difficulty, "public_test_cases": json.dumps(public),
            "private_test_cases": private, "metadata": json.dumps({"func_name": func} if func else {})}


ROWS = [
    _row("abc900_a", "Add Two Numbers", "atcoder", "2024-09-01", "easy", _stdin([("1 2\n", "3\n")]),
         json.dumps(_stdin([("5 7\n", "12\n"), ("-3 3\n", "0\n")]))),  # plain private tests
    _row("abc900_b", "Double It", "atcoder", "2024-10-10", "medium", _stdin([("2\n", "4\n")]),
         compress(_stdin([("3\n", "6\n"), ("0\n", "0\n")]))),
    _row("3500", "Two Sum Indices", "leetcode", "2024-11-01", "easy",
         _functional([("[2,7,11,15]\n9", "[0, 1]")]),
         compress(_functional([("[3,2,4]\n6", "[1, 2]"), ("[3,3]\n6", "[0,1]")])),
         starter=TWO_SUM_STARTER, func="twoSum"),
    _row("2700", "Old Problem", "leetcode", "2023-05-01", "hard", _functional([("[1]", "1")]),
         compress(_functional([("[2]", "2")])), starter="class Solution:\n    def f(self, a):\n        ",
         func="f"),
]


def write_lcb_file(path: Path) -> Path:
    """The four rows above as a JSONL file (the last one is outside the paper's v5 window)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    return path


def lcb_script(path: Path) -> str:
    """A scripted model: for "Add" it drafts the right code, then a hard-coded one, then one that fails
    the public test; "Double It" is always wrong on the private tests; twoSum is always right. The
    critic calls the hard-coded and the right Add drafts right (the hard-coded one with the shorter
    critique), the failing one wrong, and everything else right."""

    def code(text: str) -> str:
        return f"```python\n{text}```"

    script = {"replies": [
        {"when": "print(a + b)", "text": LONG_RIGHT, "repeat": True},
        {"when": "print(3)", "text": SHORT_RIGHT, "repeat": True},
        {"when": "split()[0]", "text": "Only the first number. <judgement>wrong</judgement>",
         "repeat": True},
        {"when": "reviewing a solution", "text": SHORT_RIGHT, "repeat": True},
        {"when": "Add Two Numbers", "text": code(RIGHT_ADD)},
        {"when": "Add Two Numbers", "text": code(HARDCODED_ADD)},
        {"when": "Add Two Numbers", "text": code(FIRST_ONLY), "repeat": True},
        {"when": "Double It", "text": code(WRONG_DOUBLE), "repeat": True},
        {"when": "twoSum", "text": code(TWO_SUM), "repeat": True},
    ]}
    path.write_text(json.dumps(script))
    return f"scripted:{path}"
