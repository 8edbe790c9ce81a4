"""Problem folders: a statement with what sits beside it.

    PROBLEM/
      statement.txt | statement.md | problem.json | ...   the statement (or Competitive Companion JSON)
      samples/ or test/                                    official samples (NAME.in + NAME.out/.ans)
      tests/                                               more tests (ocr test uses them; ocr bench
                                                           keeps them hidden from the solver)
      meta.json                                            time_limit_s, memory_limit_mb, interactive,
                                                           title, checker, float_tol (all optional)
      checker.py | checker.cpp                             a checker (testlib order: input, output, answer)

`ocr solve`, `ocr test --problem`, the REPL and `ocr bench` read a folder through `load_problem_folder`,
so the folder's limits and checker judge the same way everywhere.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ocr_cli.errors import ProblemError
from ocr_cli.problem.types import Problem

#: Names a statement file may have inside a problem folder, in order of preference.
STATEMENT_NAMES = ("statement.txt", "statement.md", "problem.json", "problem.txt", "problem.md",
                   "README.md")
CHECKER_NAMES = ("checker.py", "checker.cpp")
SAMPLE_DIRS = ("samples", "test")  # the set's own layout, then oj's (`test/sample-1.in`)


def statement_of(folder: Path) -> Path | None:
    """The folder's statement file, None when it has none."""
    return next((p for name in STATEMENT_NAMES if (p := folder / name).is_file()), None)


def read_meta(folder: Path) -> dict[str, Any]:
    """The folder's meta.json as a dict ({} when absent)."""
    path = folder / "meta.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProblemError(f"unreadable meta.json: {exc}", path=path) from None
    if not isinstance(data, dict):
        raise ProblemError("meta.json must hold an object", path=path)
    return data


def checker_of(folder: Path, meta: dict[str, Any]) -> Path | None:
    """The checker meta.json names, else checker.py / checker.cpp when present."""
    named = meta.get("checker")
    if named:
        path = folder / str(named)
        if not path.is_file():
            raise ProblemError(f"meta.json names a checker that is not there: {named}", path=folder)
        return path
    return next((p for name in CHECKER_NAMES if (p := folder / name).is_file()), None)


def _number(meta: dict[str, Any], key: str, folder: Path) -> float | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ProblemError(f"meta.json: `{key}` must be a positive number, not {value!r}", path=folder)
    return float(value)


def load_problem_folder(folder: Path) -> Problem:
    """Read a problem folder: its statement, official samples, meta.json (which wins over what the
    statement says) and checker."""
    from ocr_cli.problem.loader import load_problem
    from ocr_cli.problem.testdirs import load_tests

    statement = statement_of(folder)
    if statement is None:
        raise ProblemError("no statement in the problem folder", path=folder,
                           hint=f"expected one of {', '.join(STATEMENT_NAMES)}")
    meta = read_meta(folder)
    problem = load_problem(statement)
    changes: dict[str, Any] = {}
    for name in SAMPLE_DIRS:
        if (folder / name).is_dir() and any((folder / name).glob("*.in")):
            changes["samples"] = tuple(load_tests(folder / name))
            changes["doubtful_samples"] = ()
            break
    if (time_s := _number(meta, "time_limit_s", folder)) is not None:
        changes["time_limit_s"] = time_s
    if (memory := _number(meta, "memory_limit_mb", folder)) is not None:
        changes["memory_limit_mb"] = int(memory)
    if (tol := _number(meta, "float_tol", folder)) is not None:
        changes["float_tol"] = tol
    if meta.get("interactive") is not None:
        changes["interactive"] = bool(meta["interactive"])
    if meta.get("title") and not problem.title:
        changes["title"] = str(meta["title"])
    checker = checker_of(folder, meta)
    if checker is not None:
        changes["checker"] = str(checker.resolve())
    return dataclasses.replace(problem, **changes) if changes else problem


def extra_tests_dir(folder: Path) -> Path | None:
    """The folder's `tests/` when it holds tests."""
    tests = folder / "tests"
    return tests if tests.is_dir() and any(tests.glob("*.in")) else None
