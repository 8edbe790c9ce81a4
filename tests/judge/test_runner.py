"""The judge on ordinary solutions: verdicts, messages, checkers of each style, parallel cases, fallback."""
# ruff: noqa: E501

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from ocr_cli.judge import sandbox
from ocr_cli.judge.runner import Judge
from ocr_cli.judge.types import Comparison, JudgeOptions, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

PY, CPP = Language.PYTHON, Language.CPP
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
SUM_TESTS = [TestCase("a", "1 2\n", "3\n"), TestCase("b", "10 -4\n", "6\n"), TestCase("c", "0 0\n", "0\n")]
PY_SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
CPP_SUM = "#include <cstdio>\nint main(){ long long a, b; std::scanf(\"%lld %lld\", &a, &b); std::printf(\"%lld\\n\", a + b); }\n"


def judge(**options: object) -> Judge:
    settings: dict[str, object] = {"time_limit_s": 1, "memory_limit_mb": 128, **options}
    return Judge(JudgeOptions(**settings))  # type: ignore[arg-type]


def test_python_accepted_with_measurements_in_test_order() -> None:
    seen: list[str] = []
    report = judge(jobs=3).run(PY_SUM, PY, SUM_TESTS, on_case=lambda case: seen.append(case.name))
    assert report.verdict is Verdict.AC and (report.passed, report.total) == (3, 3)
    assert [case.name for case in report.cases] == ["a", "b", "c"]
    assert sorted(seen) == ["a", "b", "c"]
    assert all(case.wall_s > 0 and case.memory_mb > 0 for case in report.cases)
    assert report.isolation == sandbox.detect_isolation().level


@needs_gxx
def test_cpp_accepted_and_compile_error_carries_compiler_lines() -> None:
    assert judge().run(CPP_SUM, CPP, SUM_TESTS).verdict is Verdict.AC
    report = judge().run("int main() { return undefined_name; }\n", CPP, SUM_TESTS)
    assert report.verdict is Verdict.CE
    assert "undefined_name" in report.compile_output
    assert all(case.verdict is Verdict.CE for case in report.cases)


def test_python_syntax_error_is_ce() -> None:
    report = judge().run("print((\n", PY, SUM_TESTS)
    assert report.verdict is Verdict.CE and "SyntaxError" in report.compile_output


def test_wrong_answer_says_where_and_runtime_error_says_why() -> None:
    wrong = judge().run("a, b = map(int, input().split())\nprint(a - b)\n", PY, SUM_TESTS)
    assert wrong.verdict is Verdict.WA
    assert wrong.first_failure is not None and "expected '3', got '-1'" in wrong.first_failure.message
    crash = judge().run("raise SystemExit(3)\n", PY, SUM_TESTS[:1])
    assert crash.verdict is Verdict.RE and "exit code 3" in crash.cases[0].message
    error = judge().run("x = [1][5]\n", PY, SUM_TESTS[:1])
    assert "IndexError" in error.cases[0].message


def test_stop_after_failure_leaves_the_rest_out() -> None:
    report = judge(jobs=1).run("print(3)\n", PY, SUM_TESTS, stop_after_failure=True)
    assert report.verdict is Verdict.WA
    assert [case.name for case in report.cases] == ["a", "b"]


def test_exact_and_float_comparisons_and_looser_note() -> None:
    spaced = "print('3 ')\n"
    assert judge().run(spaced, PY, SUM_TESTS[:1]).verdict is Verdict.AC
    exact = judge(comparison=Comparison.EXACT).run(spaced, PY, SUM_TESTS[:1])
    assert exact.verdict is Verdict.WA and "token comparison" in exact.cases[0].message
    floats = [TestCase("f", "", "0.333333333\n")]
    assert judge(comparison=Comparison.FLOAT, float_tol=1e-6).run("print(1/3)\n", PY, floats).verdict is Verdict.AC
    assert judge(comparison=Comparison.FLOAT, float_tol=1e-6).run("print(0.34)\n", PY, floats).verdict is Verdict.WA


# A problem with many right answers: print two non-negative integers summing to n.
CHECKERS = {
    "testlib": "import sys\ninp, out, ans = (open(p).read().split() for p in sys.argv[1:4])\n"
               "ok = len(out) == 2 and all(t.isdigit() for t in out) and sum(map(int, out)) == int(inp[0])\n"
               "sys.stderr.write('ok' if ok else 'wrong sum')\nsys.exit(0 if ok else 1)\n",
    "judgels": "import sys\ninp, ans, out = (open(p).read().split() for p in sys.argv[1:4])\n"
               "ok = len(out) == 2 and all(t.isdigit() for t in out) and sum(map(int, out)) == int(inp[0])\n"
               "print('AC' if ok else 'WA')\n",
    "kattis": "import sys, os\ninp, ans = (open(p).read().split() for p in sys.argv[1:3])\n"
              "out = sys.stdin.read().split()\n"
              "ok = len(out) == 2 and all(t.isdigit() for t in out) and sum(map(int, out)) == int(inp[0])\n"
              "open(os.path.join(sys.argv[3], 'judgemessage.txt'), 'w').write('fine' if ok else 'bad sum')\n"
              "sys.exit(42 if ok else 43)\n",
}


@pytest.mark.parametrize("style", sorted(CHECKERS))
def test_checker_styles_accept_any_valid_answer(style: str, tmp_path: Path) -> None:
    script = tmp_path / f"check_{style}.py"
    script.write_text(CHECKERS[style])
    options = {"comparison": Comparison.CHECKER, "checker": f"{sys.executable} {script}", "checker_style": style}
    tests = [TestCase("1", "7\n", "0 7\n"), TestCase("2", "4\n", "4 0\n")]
    good = judge(**options).run("n = int(input())\nprint(1, n - 1)\n", PY, tests)
    assert good.verdict is Verdict.AC, [c.message for c in good.cases]
    bad = judge(**options).run("n = int(input())\nprint(1, n)\n", PY, tests)
    assert bad.verdict is Verdict.WA


def test_a_relative_checker_path_means_where_ocr_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "check.py").write_text(CHECKERS["testlib"])
    monkeypatch.chdir(tmp_path)
    options = {"comparison": Comparison.CHECKER, "checker": f"{sys.executable} check.py"}
    report = judge(**options).run("n = int(input())\nprint(n, 0)\n", PY, [TestCase("1", "5\n", "0 5\n")])
    assert report.verdict is Verdict.AC, [c.message for c in report.cases]


def test_broken_checker_is_internal_error(tmp_path: Path) -> None:
    script = tmp_path / "check.py"
    script.write_text("print('maybe')\n")
    options = {"comparison": Comparison.CHECKER, "checker": f"{sys.executable} {script}",
               "checker_style": "judgels"}
    assert judge(**options).run("print(1)\n", PY, SUM_TESTS[:1]).verdict is Verdict.IE


def test_rlimits_fallback_still_judges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_SANDBOX", "rlimits")
    sandbox.detect_isolation.cache_clear()
    try:
        fallback = judge()
        assert fallback.isolation == "rlimits"
        report = fallback.run(PY_SUM, PY, SUM_TESTS)
        assert report.verdict is Verdict.AC and report.isolation == "rlimits"
        assert fallback.run("while True: pass\n", PY, SUM_TESTS[:1]).verdict is Verdict.TLE
    finally:
        monkeypatch.delenv("OCR_SANDBOX")
        sandbox.detect_isolation.cache_clear()


def test_cancel_stops_running_cases_and_leaves_them_out() -> None:
    import threading
    import time

    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    started = time.monotonic()
    try:
        report = judge(time_limit_s=10, jobs=2).run("import time\ntime.sleep(30)\n", PY, SUM_TESTS,
                                                     cancel=cancel)
    finally:
        timer.cancel()
    assert report.cases == ()
    assert time.monotonic() - started < 10  # not the 21 s wall deadline
