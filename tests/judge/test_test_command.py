"""`ocr test`: JSON shape, exit codes 0/1/2, tests from --tests folders and from a statement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ocr_cli.cli.app import app, main

runner = CliRunner()


def exit_code_of(args: list[str], capsys: pytest.CaptureFixture[str]) -> int:
    """Run through `main`, which turns ocr's errors into one line and an exit code."""
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert "ocr: error:" in capsys.readouterr().err
    return int(stopped.value.code or 0)


def _tests(folder: Path) -> Path:
    folder.mkdir()
    (folder / "1.in").write_text("1 2\n")
    (folder / "1.out").write_text("3\n")
    (folder / "2.in").write_text("5 5\n")
    (folder / "2.ans").write_text("10\n")
    return folder


def test_json_report_and_exit_codes(tmp_path: Path) -> None:
    tests = _tests(tmp_path / "tests")
    good = tmp_path / "sum.py"
    good.write_text("a, b = map(int, input().split())\nprint(a + b)\n")
    result = runner.invoke(app, ["test", str(good), "--tests", str(tests), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verdict"] == "AC" and data["passed"] == 2 and data["total"] == 2
    assert data["isolation"] in ("namespaces", "rlimits")
    assert set(data["cases"][0]) == {"name", "verdict", "time_s", "wall_s", "memory_mb", "message"}
    bad = tmp_path / "bad.py"
    bad.write_text("print(0)\n")
    failed = runner.invoke(app, ["test", str(bad), "--tests", str(tests)])
    assert failed.exit_code == 1
    assert "WA" in failed.stdout and "expected" in failed.stdout


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "sum.py"
    good.write_text("print(1)\n")
    assert exit_code_of(["test", str(good)], capsys) == 2  # no tests at all
    tests = _tests(tmp_path / "tests")
    assert exit_code_of(["test", str(good), "--tests", str(tests), "--exact", "--float-tol", "1e-6"],
                        capsys) == 2
    unknown = tmp_path / "sol.rb"
    unknown.write_text("puts 1\n")
    assert exit_code_of(["test", str(unknown), "--tests", str(tests)], capsys) == 2


def test_samples_of_a_statement(tmp_path: Path) -> None:
    statement = tmp_path / "problem.txt"
    statement.write_text("Add two numbers.\n\nSample Input 1\n2 3\n\nSample Output 1\n5\n")
    good = tmp_path / "sum.py"
    good.write_text("a, b = map(int, input().split())\nprint(a + b)\n")
    result = runner.invoke(app, ["test", str(good), "--problem", str(statement), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == 1
