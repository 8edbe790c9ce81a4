"""Both launchers (compiled C and the Python script) give the same verdicts and the same containment."""
# ruff: noqa: E501

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

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


def test_python_launcher_judges_and_contains(python_launcher: None,
                                             processes_with: Callable[[str], list[int]]) -> None:
    assert native_launcher() is None
    judge = Judge(JudgeOptions(time_limit_s=0.5, memory_limit_mb=128, output_limit_mb=1))
    tests = [TestCase("1", "2 3\n", "5\n")]
    assert judge.run("print(sum(map(int, input().split())))\n", PY, tests).verdict is Verdict.AC
    assert judge.run("while True: pass\n", PY, tests).verdict is Verdict.TLE
    assert judge.run("import sys\nwhile True: sys.stdout.write('x' * 65536)\n", PY, tests).verdict is Verdict.OLE
    token = f"{random.randint(40, 90)}.{random.randint(10**6, 10**7)}"
    daemon = ("import os\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
              f"        os.execv('/bin/sleep', ['/bin/sleep', '{token}'])\n    os._exit(0)\nprint(5)\n")
    assert judge.run(daemon, PY, tests).verdict is Verdict.AC
    if detect_isolation().details.get("pid_namespace"):
        assert processes_with(token) == []
    if detect_isolation().details.get("readonly_fs"):
        target = Path("/tmp") / f"ocr-escape-{random.randint(10**8, 10**9)}"
        try:
            assert judge.run(f"open({str(target)!r}, 'w')\n", PY, tests).verdict is Verdict.RE
            assert not target.exists()
        finally:
            target.unlink(missing_ok=True)
