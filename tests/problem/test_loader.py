"""Reading problems from files, stdin and pasted text; refusing what is not a statement."""

from __future__ import annotations

import codecs
import io
import sys
from pathlib import Path

import pytest

from ocr_cli.errors import ProblemError
from ocr_cli.problem.loader import load_problem

FIXTURES = Path(__file__).parent / "fixtures"
STATEMENT = "Sum\n\nAdd two numbers.\n\nSample Input 1\n1 2\n\nSample Output 1\n3\n"


def test_statement_file_gives_samples_limits_title_and_source() -> None:
    path = FIXTURES / "numbered.txt"
    problem = load_problem(path)
    assert problem.title == "A. Sum of Pairs"
    assert (problem.time_limit_s, problem.memory_limit_mb) == (2.0, 256)
    assert len(problem.samples) == 2
    assert problem.source == str(path)
    assert "Given N pairs" in problem.statement


def test_pdf_title_joins_problem_letter_and_name() -> None:
    assert load_problem(FIXTURES / "hash_pdf.txt").title == "Problem K. Counting Stones"


def test_markdown_title_is_the_first_heading() -> None:
    assert load_problem(FIXTURES / "markdown.md").title == "Reverse the Line"


def test_pasted_text() -> None:
    problem = load_problem("-", text=STATEMENT)
    assert problem.source == "<pasted>"
    assert [(s.input, s.output) for s in problem.samples] == [("1 2\n", "3\n")]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(STATEMENT.encode())))
    problem = load_problem("-")
    assert problem.source == "<stdin>"
    assert problem.title == "Sum"
    assert len(problem.samples) == 1


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF8 + STATEMENT.encode(),
    STATEMENT.replace("\n", "\r\n").encode(),
    STATEMENT.encode("utf-16"),
    STATEMENT.replace("Add", "Add caf\u00e9").encode("cp1252"),
])
def test_encodings_and_line_endings(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes(data)
    problem = load_problem(path)
    assert problem.title == "Sum"
    assert [(s.input, s.output) for s in problem.samples] == [("1 2\n", "3\n")]
    assert "\r" not in problem.statement


def test_competitive_companion_json() -> None:
    problem = load_problem(FIXTURES / "cc.json")
    assert problem.title == "C. Three Doors"
    assert (problem.time_limit_s, problem.memory_limit_mb, problem.interactive) == (1.5, 256, False)
    assert [(s.input, s.output) for s in problem.samples] == [("1\n2 3\n", "YES\n"), ("1\n1 1\n", "NO\n")]
    assert "codeforces.com" in problem.statement


def test_oj_api_json() -> None:
    problem = load_problem(FIXTURES / "oj_api.json")
    assert problem.title == "Addition"
    assert (problem.time_limit_s, problem.memory_limit_mb) == (2.0, 1024)
    assert [(s.input, s.output) for s in problem.samples] == [("1 2\n", "3\n")]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"  \n\t\n", "empty"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
    (b"abc\x01\x02def", "control characters"),
    (b'{"name": "X", "tests": [{"input": 1}]}', "test 1"),
    (b'{"name": "X", "timeLimit": -5, "tests": []}', "timeLimit"),
    (b'{"foo": 1}', "not a Competitive Companion"),
])
def test_bad_input_is_a_problem_error_naming_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ProblemError, match=message) as info:
        load_problem(path)
    assert info.value.path == str(path)
    assert info.value.exit_code == 2


def test_missing_file_and_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ProblemError, match="not found") as missing:
        load_problem(tmp_path / "nope.txt")
    assert missing.value.path == str(tmp_path / "nope.txt")
    with pytest.raises(ProblemError, match="folder"):
        load_problem(tmp_path)


def test_pasted_whitespace_is_refused() -> None:
    with pytest.raises(ProblemError, match="empty"):
        load_problem("-", text="   \n  ")


def test_json_that_is_not_an_object_is_read_as_text() -> None:
    problem = load_problem("-", text="[1, 2, 3]\n")
    assert problem.samples == ()
    assert problem.statement == "[1, 2, 3]\n"


def test_interactive_statement_is_flagged() -> None:
    assert load_problem("-", text="Guess\n\nThis is an interactive problem.\n").interactive
