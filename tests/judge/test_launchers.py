"""The compiled launcher is built once and cached privately; without it the judge still judges."""
# ruff: noqa: E501

from __future__ import annotations

import shutil

import pytest

from ocr_cli.judge.native_launcher import native_launcher
from ocr_cli.judge.runner import Judge
from ocr_cli.judge.sandbox import detect_isolation
from ocr_cli.judge.types import JudgeOptions, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

PY = Language.PYTHON


@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
def test_native_launcher_is_built_and_cached() -> None:
    first = native_launcher()
    assert first is not None and first.exists()
    assert first.parent.stat().st_mode & 0o022 == 0  # nobody else can replace it
    native_launcher.cache_clear()
    assert native_launcher() == first  # reused from the private cache, not rebuilt elsewhere


def test_without_a_launcher_the_judge_falls_back_to_rlimits(no_launcher: None) -> None:
    assert native_launcher() is None
    info = detect_isolation()
    assert info.level == "rlimits" and info.backend == "subprocess"
    assert "no C compiler" in info.note or "failed to build" in info.note
    assert info.warning  # the user is told the sandbox is weak
    judge = Judge(JudgeOptions(time_limit_s=0.5, memory_limit_mb=128, output_limit_mb=1))
    tests = [TestCase("1", "2 3\n", "5\n")]
    assert judge.run("print(sum(map(int, input().split())))\n", PY, tests).verdict is Verdict.AC
    assert judge.run("print(6)\n", PY, tests).verdict is Verdict.WA
    assert judge.run("while True: pass\n", PY, tests).verdict is Verdict.TLE
    assert judge.run("import sys\nwhile True: sys.stdout.write('x' * 65536)\n", PY, tests).verdict is Verdict.OLE
    report = judge.run("import sys\nsys.stderr.write('e' * (3 << 20))\nprint(5)\n", PY, tests)
    assert report.verdict is Verdict.AC  # stderr has its own cap and never makes OLE
    assert len(report.cases[0].stderr) <= 64 * 1024


def test_strict_refuses_without_namespaces(no_launcher: None) -> None:
    from ocr_cli.errors import JudgeError

    judge = Judge(JudgeOptions(sandbox="strict"))
    with pytest.raises(JudgeError, match="strict"):
        judge.run("print(1)\n", PY, [TestCase("1", "", "1\n")])
