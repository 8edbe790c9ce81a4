"""Problem sets on disk: one folder per problem.

    PROBLEM/
      statement.txt | statement.md   the statement (its samples are parsed when samples/ is absent)
      samples/                        optional official samples (NAME.in + NAME.out/.ans)
      tests/                          hidden tests, never shown to the solver
      meta.json                       optional: time_limit_s, memory_limit_mb, interactive, title, checker
      checker.py | checker.cpp        optional checker (testlib order: input, output, answer)

A folder given to the bench is either such a problem folder or a folder of them. LiveCodeBench
JSONL files (or folders of them) are read row by row (`ocr_cli.problem.livecodebench`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocr_cli.errors import ProblemError
from ocr_cli.problem import livecodebench as lcb
from ocr_cli.problem.folder import checker_of, read_meta
from ocr_cli.problem.testdirs import load_inputs, load_tests, natural_key
from ocr_cli.problem.types import Problem, TestCase

STATEMENT_NAMES = ("statement.txt", "statement.md", "problem.json")  # problem.json: from `ocr listen`


@dataclass(frozen=True)
class ProblemDir:
    """A problem folder found in a set, before anything in it is read."""

    key: str  # "SET/PROBLEM", unique within a bench run
    path: Path
    statement: Path


@dataclass(frozen=True)
class LcbEntry:
    """A LiveCodeBench row found in a JSONL file (its private tests are read when loaded)."""

    key: str  # "PLATFORM/QUESTION_ID"
    row: lcb.LcbRow

    @property
    def path(self) -> Path:
        return self.row.path


BenchEntry = ProblemDir | LcbEntry


@dataclass(frozen=True)
class BenchProblem:
    """A problem ready to bench: what the solver sees, and what only the final judge sees."""

    key: str
    path: Path
    problem: Problem  # the statement with its samples and limits (meta.json wins)
    hidden_tests: tuple[TestCase, ...]
    checker: Path | None  # a checker source or program in the folder
    meta: dict[str, Any]
    #: What results are broken down by: difficulty, platform, contest_date (when known).
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

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


def _is_lcb(path: Path) -> bool:
    """A JSONL file, or a folder holding JSONL files and no problem."""
    if path.is_file():
        return path.suffix == ".jsonl"
    return path.is_dir() and _statement_of(path) is None and any(path.glob("*.jsonl"))


def discover(dirs: list[Path], lcb_filter: lcb.LcbFilter | None = None) -> list[BenchEntry]:
    """The problem folders under each of `dirs` (naturally sorted within a set) and the LiveCodeBench
    rows of the JSONL files among them that `lcb_filter` accepts (in file order).

    Raises ProblemError for a missing folder or one with no problem in it.
    """
    found: list[BenchEntry] = []
    seen: set[str] = set()
    for given in dirs:
        folder = Path(given)
        if _is_lcb(folder):
            for path in lcb.jsonl_files([folder]):
                for row in lcb.scan(path):
                    key = f"{row.platform or 'lcb'}/{row.question_id}"
                    if key not in seen and (lcb_filter is None or lcb_filter.accepts(row)):
                        seen.add(key)
                        found.append(LcbEntry(key=key, row=row))
            continue
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


def _load_lcb(entry: LcbEntry) -> BenchProblem:
    row = entry.row
    tags = {"platform": row.platform, "difficulty": row.difficulty, "contest_date": row.contest_date[:10]}
    return BenchProblem(key=entry.key, path=row.path, problem=lcb.to_problem(row),
                        hidden_tests=lcb.private_tests(row), checker=None, meta={},
                        tags={name: value for name, value in tags.items() if value})


def load_bench_problem(entry: BenchEntry) -> BenchProblem:
    """Read a problem folder (statement, official samples, limits, hidden tests and checker) or a
    LiveCodeBench row (public tests as samples, private tests hidden)."""
    from ocr_cli.problem.loader import load_problem

    if isinstance(entry, LcbEntry):
        return _load_lcb(entry)
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
    checker = checker_of(entry.path, meta)
    if checker is not None:  # judged as `ocr solve` and `ocr test` judge (setup.judge_options_from)
        changes["checker"] = str(checker.resolve())
    if changes:
        problem = dataclasses.replace(problem, **changes)
    tests_dir = entry.path / "tests"
    load = load_inputs if problem.interactive else load_tests  # an interactor may need no answers
    hidden = tuple(load(tests_dir)) if tests_dir.is_dir() and any(tests_dir.glob("*.in")) else ()
    tags = {name: str(meta[name]) for name in ("difficulty", "platform") if meta.get(name)}
    return BenchProblem(key=entry.key, path=entry.path, problem=problem, hidden_tests=hidden,
                        checker=checker, meta=meta, tags=tags)
