"""Functional (class Solution) judging through the sandboxed judge, and the JSON comparison."""

from __future__ import annotations

from ocr_cli.judge.compare import make_json_comparator
from ocr_cli.judge.functional import FunctionalJudge, FunctionSpec, harness_source
from ocr_cli.judge.types import JudgeOptions, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

TWO_SUM = """\
class Solution:
    def twoSum(self, nums: List[int], target: int) -> List[int]:
        print("debug output goes to stderr")
        seen = {}
        for i, x in enumerate(nums):
            if target - x in seen:
                return (seen[target - x], i)
            seen[x] = i
"""
TESTS = [TestCase("1", "[2,7,11,15]\n9", "[0, 1]"), TestCase("2", "[3,2,4]\n6\n", "[1,2]")]


def _judge() -> FunctionalJudge:
    options = JudgeOptions(time_limit_s=2, memory_limit_mb=256, jobs=2)  # generous: a busy machine
    return FunctionalJudge(FunctionSpec("twoSum"), options)


def test_right_method_is_accepted_and_its_prints_do_not_spoil_the_result() -> None:
    report = _judge().run(TWO_SUM, Language.PYTHON, TESTS)
    assert report.verdict is Verdict.AC, report.cases
    assert [case.actual.strip() for case in report.cases] == ["[0, 1]", "[1, 2]"]  # the tuple became a list
    assert "debug output" in report.cases[0].stderr


def test_wrong_method_is_wrong_answer_naming_the_first_difference() -> None:
    wrong = TWO_SUM.replace("(seen[target - x], i)", "[i, seen[target - x]]")
    report = _judge().run(wrong, Language.PYTHON, TESTS)
    assert report.verdict is Verdict.WA
    assert report.cases[0].message == "result[0]: expected 0, got 1"


def test_crashing_method_is_a_runtime_error_with_the_candidates_line() -> None:
    crashing = TWO_SUM.replace("seen = {}", "seen = {}; 1 / 0")
    report = _judge().run(crashing, Language.PYTHON, TESTS)
    assert report.verdict is Verdict.RE
    assert "ZeroDivisionError" in report.cases[0].message
    assert 'File "candidate.py", line 4' in report.cases[0].stderr and "1 / 0" in report.cases[0].stderr


def test_slow_method_is_a_time_limit_exceeded() -> None:
    slow = TWO_SUM.replace("seen = {}", "while True: pass")
    report = _judge().run(slow, Language.PYTHON, TESTS[:1])
    assert report.verdict is Verdict.TLE


def test_missing_method_syntax_error_and_cpp_are_not_accepted() -> None:
    missing = _judge().run(TWO_SUM.replace("twoSum", "two_sum"), Language.PYTHON, TESTS[:1])
    assert missing.verdict is Verdict.RE and "no method twoSum" in missing.cases[0].message
    broken = _judge().run("class Solution:\n    def twoSum(self:\n", Language.PYTHON, TESTS)
    assert broken.verdict is Verdict.CE and "SyntaxError" in broken.compile_output
    assert len(broken.cases) == 2
    cpp = _judge().run("class Solution {};", Language.CPP, TESTS[:1])
    assert cpp.verdict is Verdict.CE and "Python only" in cpp.compile_output


def test_harness_embeds_the_prelude_and_the_source_verbatim() -> None:
    source = harness_source("class Solution:\n    pass\n'''quotes'''\n", FunctionSpec("f"))
    compile(source, "harness.py", "exec")
    assert "'''quotes'''" in source and "from typing import *" in source


def test_json_comparison_numbers_by_value_lists_in_order() -> None:
    compare = make_json_comparator(1e-6)
    assert compare("[1.0, 2]\n", "[1, 2]").ok
    assert compare("0.30000000000000004", "0.3").ok
    assert not compare("[2, 1]", "[1, 2]").ok
    assert not compare("[1, 2, 3]", "[1, 2]").ok
    assert "expected true" in compare("1", "true").message  # a bool is not a number
    assert compare('{"a": [1, "x"]}', '{"a": [1, "x"]}').ok
    assert not compare('"1"', "1").ok
    assert "not one JSON value" in compare("[1, 2", "[1, 2]").message
    assert compare("null", "null").ok
