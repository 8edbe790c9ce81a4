"""Test folders in oj's layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr_cli.errors import ProblemError
from ocr_cli.problem.testdirs import load_tests


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def test_natural_order_and_both_answer_suffixes(tmp_path: Path) -> None:
    folder = _write(tmp_path / "t", {"10.in": "10\n", "10.out": "a\n", "2.in": "2\n", "2.ans": "b\n",
                                     "sample-1.in": "s\n", "sample-1.out": "c\n", "notes.txt": "x"})
    cases = load_tests(folder)
    assert [c.name for c in cases] == ["2", "10", "sample-1"]
    assert [(c.input, c.output) for c in cases] == [("2\n", "b\n"), ("10\n", "a\n"), ("s\n", "c\n")]


def test_empty_answer_file_is_a_valid_test(tmp_path: Path) -> None:
    folder = _write(tmp_path / "t", {"a.in": "", "a.out": ""})
    assert [(c.input, c.output) for c in load_tests(folder)] == [("", "")]


def test_input_without_answer_is_named(tmp_path: Path) -> None:
    folder = _write(tmp_path / "t", {"1.in": "1\n", "1.out": "1\n", "2.in": "2\n"})
    with pytest.raises(ProblemError, match="no answer") as info:
        load_tests(folder)
    assert info.value.path == str(folder / "2.in")


def test_missing_folder_file_and_folder_without_tests(tmp_path: Path) -> None:
    with pytest.raises(ProblemError, match="not found"):
        load_tests(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ProblemError, match="not a folder"):
        load_tests(tmp_path / "file")
    with pytest.raises(ProblemError, match="no tests"):
        load_tests(_write(tmp_path / "empty", {"readme.md": "nothing"}))


def test_binary_test_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "1.in").write_bytes(b"\x00\x01\x02")
    (folder / "1.out").write_text("1\n")
    with pytest.raises(ProblemError, match="binary"):
        load_tests(folder)
