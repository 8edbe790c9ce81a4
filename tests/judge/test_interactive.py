"""Interactive judging: solutions against examples/guess's interactor, and the verdict rules."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from ocr_cli.judge.runner import Judge
from ocr_cli.judge.types import JudgeOptions, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.testdirs import load_test_files
from ocr_cli.problem.types import TestCase

GUESS = Path(__file__).resolve().parents[2] / "examples" / "guess"
TESTS = load_test_files(GUESS / "tests")[1]  # inputs only: the secret numbers
REF_PY = (GUESS / "solutions" / "ref.py").read_text()


def judge(interactor: str = str(GUESS / "interactor.py"), style: str = "testlib",
          time_limit: float = 1.0) -> Judge:
    return Judge(JudgeOptions(time_limit_s=time_limit, memory_limit_mb=256, interactor=interactor,
                              interactor_style=style, jobs=1))


def test_the_reference_solutions_are_accepted() -> None:
    report = judge().run(REF_PY, Language.PYTHON, TESTS)
    assert report.verdict is Verdict.AC, report.cases
    assert report.total == 6
    assert all("found" in case.message and "queries" in case.message for case in report.cases)


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_a_cpp_solution_and_a_cpp_interactor(tmp_path: Path) -> None:
    interactor = tmp_path / "interactor.cpp"
    interactor.write_text(r"""
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
int main(int argc, char** argv) {
    std::ifstream in(argv[1]); long long x; in >> x;
    for (int q = 1; q <= 30; q++) {
        std::string mark; long long y;
        if (!(std::cin >> mark >> y) || mark != "?") { std::cerr << "bad query"; return 1; }
        if (y == x) { std::cout << "=" << std::endl; std::cerr << "ok"; return 0; }
        std::cout << (x < y ? "<" : ">") << std::endl;
    }
    std::cerr << "too many queries"; return 1;
}
""")
    source = (GUESS / "solutions" / "ref.cpp").read_text()
    report = judge(str(interactor)).run(source, Language.CPP, TESTS[:3])
    assert report.verdict is Verdict.AC, report.cases


@pytest.mark.parametrize("source, verdict, words", [
    # counts up from 1: runs out of queries
    ("y = 1\nwhile True:\n    print('?', y, flush=True)\n    if input() == '=':\n        break\n    y += 1\n",
     Verdict.WA, "more than 30 queries"),
    ("print('hello', flush=True)\n", Verdict.WA, "expected '? Y'"),
    # gives up early: the interactor must see the end of the dialogue, not wait forever
    ("print('? 5', flush=True)\ninput()\n", Verdict.WA, "stopped after 1 queries"),
    # exits without reading the answer: the interactor's answer must not fail on a broken pipe
    ("print('? 5', flush=True)\n", Verdict.WA, "stopped after 1 queries"),
    ("print('? 5', flush=True)\ninput()\nraise SystemExit(3)\n", Verdict.RE, "exit code 3"),
    # never asks, waits for an answer: both sides wait
    ("input()\n", Verdict.TLE, "waiting for the interactor?"),
    ("while True:\n    pass\n", Verdict.TLE, "CPU"),
])
def test_wrong_solutions(source: str, verdict: Verdict, words: str) -> None:
    report = judge().run(source, Language.PYTHON, [TESTS[2]])  # X = 500000000
    case = report.cases[0]
    assert case.verdict is verdict, case
    assert words in case.message


@pytest.mark.parametrize("interactor, words", [
    ("import sys\nsys.exit(5)\n", "exited with 5"),
    ("import sys\nprint('broken test', file=sys.stderr)\nsys.exit(3)\n", "FAIL"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", "crashed"),
])
def test_a_broken_interactor_is_ie(tmp_path: Path, interactor: str, words: str) -> None:
    path = tmp_path / "interactor.py"
    path.write_text(interactor)
    report = judge(str(path)).run(REF_PY, Language.PYTHON, TESTS[:1])
    assert report.cases[0].verdict is Verdict.IE
    assert words in report.cases[0].message


def test_the_interactor_runs_in_the_sandbox(tmp_path: Path) -> None:
    escaped = tmp_path / "escaped"
    path = tmp_path / "interactor.py"
    path.write_text(f"import sys\ntry:\n    open({str(escaped)!r}, 'w').write('x')\n"
                    "except OSError as exc:\n    print(exc, file=sys.stderr)\n    sys.exit(3)\n")
    report = judge(str(path)).run(REF_PY, Language.PYTHON, TESTS[:1])
    assert report.cases[0].verdict is Verdict.IE and "FAIL" in report.cases[0].message, report.cases[0]
    assert not escaped.exists()


def test_a_hanging_interactor_is_ie(tmp_path: Path) -> None:
    path = tmp_path / "interactor.py"
    path.write_text("import sys, time\nsys.stdin.readline()\nprint('=', flush=True)\ntime.sleep(600)\n")
    report = judge(str(path)).run(REF_PY, Language.PYTHON, TESTS[:1])
    assert report.cases[0].verdict is Verdict.IE
    assert "hung" in report.cases[0].message


def test_kattis_style_validator(tmp_path: Path) -> None:
    validator = tmp_path / "validator.py"
    validator.write_text("""import sys, os
secret = int(open(sys.argv[1]).read())
expected = open(sys.argv[2]).read().strip()
feedback = sys.argv[3]
for asked in range(1, 31):
    words = sys.stdin.readline().split()
    if len(words) != 2:
        open(os.path.join(feedback, 'judgemessage.txt'), 'w').write('no query ' + expected)
        sys.exit(43)
    y = int(words[1])
    print('=' if y == secret else ('<' if secret < y else '>'), flush=True)
    if y == secret:
        open(os.path.join(feedback, 'judgemessage.txt'), 'w').write('found it')
        sys.exit(42)
sys.exit(43)
""")
    tests = [TestCase("1", "77\n", "tag-from-answer\n")]
    good = judge(f"{sys.executable} {validator}", "kattis").run(REF_PY, Language.PYTHON, tests)
    assert good.verdict is Verdict.AC and good.cases[0].message == "found it"
    bad = judge(f"{sys.executable} {validator}", "kattis").run("print('x', flush=True)\n", Language.PYTHON,
                                                               tests)
    assert bad.verdict is Verdict.WA and bad.cases[0].message == "no query tag-from-answer"


def test_a_compile_error_is_ce_and_a_missing_interactor_is_an_error(tmp_path: Path) -> None:
    report = judge().run("def (:\n", Language.PYTHON, TESTS[:2])
    assert report.verdict is Verdict.CE and report.total == 2
    from ocr_cli.errors import JudgeError

    with pytest.raises(JudgeError, match="not found"):
        judge(str(tmp_path / "nope")).run(REF_PY, Language.PYTHON, TESTS[:1])
