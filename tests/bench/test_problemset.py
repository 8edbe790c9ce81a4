"""Finding problem folders and reading them for the bench."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr_cli.bench.problemset import discover, load_bench_problem
from ocr_cli.errors import ProblemError

from .problemsets import write_problem_set

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_discover_a_set_and_a_single_problem(tmp_path: Path) -> None:
    root = write_problem_set(tmp_path / "set")
    assert [p.key for p in discover([root])] == ["set/add", "set/divisor", "set/double", "set/guess"]
    assert [p.key for p in discover([root / "double", root])] == \
        ["set/double", "set/add", "set/divisor", "set/guess"]  # no duplicates


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_discover_rejects_folders_without_problems(tmp_path: Path, make: str) -> None:
    folder = tmp_path / "nothing"
    if make == "empty":
        folder.mkdir()
    with pytest.raises(ProblemError, match="nothing"):
        discover([folder])


def test_load_reads_meta_samples_tests_and_checker(tmp_path: Path) -> None:
    root = write_problem_set(tmp_path / "set")
    entries = {p.key: p for p in discover([root])}
    divisor = load_bench_problem(entries["set/divisor"])
    assert divisor.checker == root / "divisor" / "check.py"
    assert [(s.input, s.output) for s in divisor.problem.samples] == [("12\n", "2\n")]
    assert len(divisor.hidden_tests) == 3
    assert len(divisor.judge_tests) == 4
    assert divisor.problem.time_limit_s == 2  # meta.json wins over the statement's 1 second
    guess = load_bench_problem(entries["set/guess"])
    assert guess.interactive and guess.hidden_tests == ()


def test_official_samples_folder_wins_over_parsed(tmp_path: Path) -> None:
    root = write_problem_set(tmp_path / "set")
    (root / "add" / "samples").mkdir()
    (root / "add" / "samples" / "1.in").write_text("4 4\n")
    (root / "add" / "samples" / "1.out").write_text("8\n")
    add = load_bench_problem(next(p for p in discover([root]) if p.key == "set/add"))
    assert [(s.input, s.output) for s in add.problem.samples] == [("4 4\n", "8\n")]


def test_missing_named_checker_is_a_problem_error(tmp_path: Path) -> None:
    root = write_problem_set(tmp_path / "set")
    (root / "divisor" / "check.py").unlink()
    with pytest.raises(ProblemError, match="checker"):
        load_bench_problem(next(p for p in discover([root]) if p.key == "set/divisor"))


def test_bundled_examples_are_well_formed() -> None:
    problems = [load_bench_problem(entry) for entry in discover([EXAMPLES])]
    assert len(problems) >= 6
    assert any(p.interactive for p in problems)
    assert any(p.checker is not None for p in problems)
    for p in problems:
        if p.interactive:
            continue
        assert len(p.problem.samples) >= 1, p.key
        assert 5 <= len(p.hidden_tests) <= 10, p.key
        assert p.problem.time_limit_s and p.problem.memory_limit_mb
        assert (p.path / "solutions" / "ref.py").is_file() and (p.path / "solutions" / "ref.cpp").is_file()
