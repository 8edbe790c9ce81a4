"""A checker that cannot run is one error before any case (exit 2 from the CLI), a `.py` checker runs
with the judge's Python whatever its mode bits, and testlib's FAIL (exit 3) is IE, not WA."""
# ruff: noqa: E501

from __future__ import annotations

from pathlib import Path

import pytest

from ocr_cli.cli.app import main
from ocr_cli.errors import JudgeError
from ocr_cli.judge.runner import Judge
from ocr_cli.judge.types import Comparison, JudgeOptions, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

TESTS = [TestCase("1", "2\n", "4\n"), TestCase("2", "3\n", "6\n")]
DOUBLE = "print(int(input()) * 2)\n"


def _judge(checker: str) -> Judge:
    return Judge(JudgeOptions(comparison=Comparison.CHECKER, checker=checker, time_limit_s=2))


def test_a_missing_checker_is_one_judge_error_before_any_case(tmp_path: Path) -> None:
    with pytest.raises(JudgeError, match="not found"):
        _judge("no-such-checker-ocr").run(DOUBLE, Language.PYTHON, TESTS)
    with pytest.raises(JudgeError, match="not found"):
        _judge(str(tmp_path / "missing.py")).run(DOUBLE, Language.PYTHON, TESTS)


def test_a_checker_that_cannot_run_is_exit_2_in_ocr_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    solution = tmp_path / "double.py"
    solution.write_text(DOUBLE)
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "1.in").write_text("2\n")
    (folder / "1.out").write_text("4\n")
    with pytest.raises(SystemExit) as stopped:
        main(["test", str(solution), "--tests", str(folder), "--checker", "no-such-checker-ocr"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "not found" in err and len(err.strip().splitlines()) <= 2


def test_a_python_checker_without_the_executable_bit_runs_with_python(tmp_path: Path) -> None:
    checker = tmp_path / "checker.py"
    checker.write_text("import sys\nout = open(sys.argv[2]).read().split()\nans = open(sys.argv[3]).read().split()\n"
                       "sys.exit(0 if out == ans else 1)\n")
    checker.chmod(0o644)
    report = _judge(str(checker)).run(DOUBLE, Language.PYTHON, TESTS)
    assert report.verdict is Verdict.AC, report.first_failure
    assert _judge(str(checker)).run("print(0)\n", Language.PYTHON, TESTS).verdict is Verdict.WA


def test_testlib_fail_exit_3_is_an_internal_error(tmp_path: Path) -> None:
    checker = tmp_path / "fail.py"
    checker.write_text("import sys\nsys.stderr.write('FAIL answer file is broken')\nsys.exit(3)\n")
    report = _judge(str(checker)).run(DOUBLE, Language.PYTHON, TESTS)
    assert [case.verdict for case in report.cases] == [Verdict.IE, Verdict.IE]
    assert "FAIL" in report.cases[0].message
