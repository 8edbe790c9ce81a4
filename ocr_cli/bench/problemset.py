"""Problem sets on disk: one folder per problem.

    PROBLEM/
      statement.txt | statement.md   the statement (its samples are parsed when samples/ is absent)
      samples/                        optional official samples (NAME.in + NAME.out/.ans)
      tests/                          hidden tests, never shown to the solver
      meta.json                       optional: time_limit_s, memory_limit_mb, interactive, title, checker
      checker.py | checker.cpp        optional checker (testlib order: input, output, answer)

A folder given to the bench is either such a problem folder or a folder of them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocr_cli.errors import ProblemError
from ocr_cli.problem.testdirs import load_inputs, load_tests, natural_key
from ocr_cli.problem.types import Problem, TestCase

STATEMENT_NAMES = ("statement.txt", "statement.md", "problem.json")  # problem.json: from `ocr listen`
CHECKER_NAMES = ("checker.py", "checker.cpp")


@dataclass(frozen=True)
class ProblemDir:
    """A problem folder found in a set, before anything in it is read."""

    key: str  # "SET/PROBLEM", unique within a bench run
    path: Path
    statement: Path


@dataclass(frozen=True)
class BenchProblem:
    """A problem ready to bench: what the solver sees, and what only the final judge sees."""

    key: str
    path: Path
    problem: Problem  # the statement with its samples and limits (meta.json wins)
    hidden_tests: tuple[TestCase, ...]
    checker: Path | None  # a checker source or program in the folder
    meta: dict[str, Any]

    @property
    def interactive(self) -> bool:
        return self.problem.interactive

    @property
    def judge_tests(self) -> tuple[TestCase, ...]:
        """The hidden tests followed by the samples: what decides whether the final code solved it
        (an interactive problem's samples are dialogue transcripts: only its hidden tests)."""
        return self.hidden_tests if self.interactive else self.hidden_tests + self.problem.samples


def _statement_of(folder: Path) -> Path | None:
    return next((p for name in STATEMENT_NAMES if (p := folder / name).is_file()), None)


def discover(dirs: list[Path]) -> list[ProblemDir]:
    """The problem folders under each of `dirs`, naturally sorted within a set.

    Raises ProblemError for a missing folder or one with no problem in it.
    """
    found: list[ProblemDir] = []
    seen: set[str] = set()
    for given in dirs:
        folder = Path(given)
        if not folder.is_dir():
            raise ProblemError("problem set folder not found", path=folder)
        statement = _statement_of(folder)
        if statement is not None:
            candidates = [(folder, statement)]
            set_name = folder.resolve().parent.name
        else:
            children = sorted((c for c in folder.iterdir() if c.is_dir()), key=lambda c: natural_key(c.name))
            candidates = [(c, s) for c in children if (s := _statement_of(c)) is not None]
            set_name = folder.resolve().name
        if not candidates:
            raise ProblemError("no problems in folder", path=folder,
                               hint="expected PROBLEM/statement.txt (or a folder of such problems)")
        for path, statement_path in candidates:
            key = f"{set_name}/{path.name}"
            if key in seen:
                continue
            seen.add(key)
            found.append(ProblemDir(key=key, path=path, statement=statement_path))
    return found


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


def _checker_of(folder: Path, meta: dict[str, Any]) -> Path | None:
    named = meta.get("checker")
    if named:
        path = folder / str(named)
        if not path.is_file():
            raise ProblemError(f"meta.json names a checker that is not there: {named}", path=folder)
        return path
    return next((p for name in CHECKER_NAMES if (p := folder / name).is_file()), None)


def load_bench_problem(entry: ProblemDir) -> BenchProblem:
    """Read a problem folder: statement, official samples, limits, hidden tests and checker."""
    from ocr_cli.problem.loader import load_problem

    meta = read_meta(entry.path)
    problem = load_problem(entry.statement)
    changes: dict[str, Any] = {}
    samples_dir = entry.path / "samples"
    if samples_dir.is_dir() and any(samples_dir.glob("*.in")):
        changes["samples"] = tuple(load_tests(samples_dir))
    if meta.get("time_limit_s") is not None:
        changes["time_limit_s"] = float(meta["time_limit_s"])
    if meta.get("memory_limit_mb") is not None:
        changes["memory_limit_mb"] = int(meta["memory_limit_mb"])
    if meta.get("interactive") is not None:
        changes["interactive"] = bool(meta["interactive"])
    if meta.get("title") and not problem.title:
        changes["title"] = str(meta["title"])
    if changes:
        problem = dataclasses.replace(problem, **changes)
    tests_dir = entry.path / "tests"
    load = load_inputs if problem.interactive else load_tests  # an interactor may need no answers
    hidden = tuple(load(tests_dir)) if tests_dir.is_dir() and any(tests_dir.glob("*.in")) else ()
    return BenchProblem(key=entry.key, path=entry.path, problem=problem, hidden_tests=hidden,
                        checker=_checker_of(entry.path, meta), meta=meta)


def checker_command(checker: Path, build_dir: Path, cxx: str = "g++") -> str:
    """The command line that runs a checker: Python checkers with this interpreter, C++ ones compiled
    once into `build_dir` (keyed by the source's content), anything else as an executable."""
    if checker.suffix == ".py":
        return shlex.join([sys.executable, str(checker.resolve())])
    if checker.suffix in (".cpp", ".cc", ".cxx"):
        source = checker.read_bytes()
        binary = build_dir / f"checker-{hashlib.sha256(source).hexdigest()[:16]}"
        if not binary.exists():
            build_dir.mkdir(parents=True, exist_ok=True)
            # -I the checker's folder: a testlib.h placed next to it is found
            command = [cxx, "-O2", "-std=gnu++17", "-I", str(checker.parent), "-o", str(binary), str(checker)]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=120)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise ProblemError(f"cannot compile checker: {exc}", path=checker) from None
            if done.returncode != 0:
                first = (done.stderr.strip().splitlines() or ["compiler failed"])[0]
                raise ProblemError(f"checker does not compile: {first}", path=checker)
        return shlex.quote(str(binary))
    return shlex.quote(str(checker.resolve()))
