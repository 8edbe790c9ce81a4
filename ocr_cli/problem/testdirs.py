"""Test folders in online-judge-tools' layout: `NAME.in` with `NAME.out` or `NAME.ans`."""

from __future__ import annotations

import re
from pathlib import Path

from ocr_cli.errors import ProblemError
from ocr_cli.problem.text import decode_text
from ocr_cli.problem.types import TestCase

_ANSWER_SUFFIXES = (".out", ".ans")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting `2` before `10` (digit runs compare as numbers, the rest case-insensitively)."""
    parts = re.split(r"(\d+)", name)
    return tuple((0, int(p)) if p.isdigit() else (1, p.lower()) for p in parts if p)


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProblemError(f"cannot read test file: {exc.strerror or exc}", path=path) from exc
    return decode_text(data, path=path, allow_empty=True)


def load_tests(dir: Path) -> list[TestCase]:
    """Read every `NAME.in` of `dir` with its `NAME.out` (or `NAME.ans`), naturally sorted by name.

    Raises ProblemError when the folder is missing, holds no `.in` file, or an input has no answer.
    """
    answered, unanswered = load_test_files(dir)
    if unanswered:
        first = Path(dir) / f"{unanswered[0].name}.in"
        raise ProblemError("test input has no answer file", path=first,
                           hint=f"add {unanswered[0].name}.out or {unanswered[0].name}.ans")
    return answered


def load_test_files(dir: Path) -> tuple[list[TestCase], list[TestCase]]:
    """Every `NAME.in` of `dir`: (those with an answer file, those without, whose output is "").

    Raises ProblemError when the folder is missing or holds no `.in` file.
    """
    folder = Path(dir)
    if not folder.exists():
        raise ProblemError("test folder not found", path=folder)
    if not folder.is_dir():
        raise ProblemError("not a folder of tests", path=folder, hint="expected NAME.in with NAME.out")
    inputs = sorted((p for p in folder.iterdir() if p.suffix == ".in" and p.is_file()),
                    key=lambda p: natural_key(p.name))
    if not inputs:
        raise ProblemError("no tests in folder", path=folder,
                           hint="expected NAME.in with NAME.out or NAME.ans")
    answered: list[TestCase] = []
    unanswered: list[TestCase] = []
    for input_path in inputs:
        answer = next((a for s in _ANSWER_SUFFIXES if (a := input_path.with_suffix(s)).is_file()), None)
        if answer is None:
            unanswered.append(TestCase(name=input_path.stem, input=_read(input_path), output=""))
        else:
            answered.append(TestCase(name=input_path.stem, input=_read(input_path), output=_read(answer)))
    return answered, unanswered


def load_inputs(dir: Path) -> list[TestCase]:
    """Every `NAME.in` of `dir`, with its answer when there is one ("" otherwise), naturally sorted:
    the tests of an interactive problem, whose interactor may not need answers."""
    answered, unanswered = load_test_files(dir)
    return sorted(answered + unanswered, key=lambda case: natural_key(case.name))
