"""Functional (LeetCode-style) judging: the candidate is a `class Solution` with one method; a test's
input is the method's arguments, one JSON value a line, and its answer the JSON return value.

The candidate never runs in this process. It is embedded in a small Python harness program that the
ordinary sandboxed judge runs like any stdin solution: the harness executes the candidate's source
(tracebacks keep its line numbers), reads the arguments from stdin, calls the method and prints the
result as JSON, which `Comparison.JSON` compares (numbers by value, lists in order). Whatever the
candidate prints itself goes to stderr, so it cannot spoil the result. Python only.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ocr_cli.judge.types import CaseResult, Comparison, JudgeOptions, JudgeReport, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

#: What LeetCode's Python environment has imported before the candidate's code runs.
PRELUDE = """\
from typing import *
from collections import *
from itertools import *
from functools import *
from heapq import *
from bisect import *
from math import *
from builtins import *  # math's pow must not shadow the built-in three-argument pow
import collections, heapq, bisect, itertools, functools, math, string, re, random, sys
sys.setrecursionlimit(1 << 20)
"""

_HARNESS = '''\
import json as _json, linecache as _linecache, sys as _sys
_source = %(source)r
_linecache.cache["candidate.py"] = (len(_source), None, _source.splitlines(True), "candidate.py")
_real_stdout = _sys.stdout
_sys.stdout = _sys.stderr  # the candidate's own prints must not mix with the result
_namespace = {"__name__": "solution"}
exec(compile(%(prelude)r, "<prelude>", "exec"), _namespace)
try:
    exec(compile(_source, "candidate.py", "exec"), _namespace)
    _args = [_json.loads(line) for line in _sys.stdin.read().splitlines() if line.strip()]
    _cls = _namespace.get(%(class_name)r)
    if _cls is None:
        _sys.exit("no class %(class_name)s in the solution")
    _method = getattr(_cls(), %(method)r, None)
    if _method is None:
        _sys.exit("class %(class_name)s has no method %(method)s")
    _result = _method(*_args)
except Exception:
    import traceback as _traceback  # prints the candidate's lines (kept in linecache above)
    _traceback.print_exc()
    _sys.exit(1)

def _plain(value):
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value

_real_stdout.write(_json.dumps(_plain(_result)) + "\\n")
'''


@dataclass(frozen=True)
class FunctionSpec:
    """Which method of which class a functional problem calls."""

    method: str
    class_name: str = "Solution"


def harness_source(candidate: str, spec: FunctionSpec) -> str:
    """A Python program that runs `candidate` and calls `spec` on the JSON arguments from stdin."""
    return _HARNESS % {"prelude": PRELUDE, "source": candidate, "class_name": spec.class_name,
                       "method": spec.method}


class JudgeRunner(Protocol):
    """What FunctionalJudge needs of `ocr_cli.judge.runner.Judge`."""

    def run(self, source: str, language: Language, tests: Sequence[TestCase], *,
            on_case: Callable[[CaseResult], None] | None = None, stop_after_failure: bool = False,
            cancel: threading.Event | None = None) -> JudgeReport: ...


class FunctionalJudge:
    """Judges class-and-method solutions with the same interface as `Judge.run`.

    `make_judge(options)` builds the underlying judge (normally `Judge`), given the options with the
    JSON comparison; the limits and verdicts are the usual ones.
    """

    def __init__(self, spec: FunctionSpec, options: JudgeOptions,
                 make_judge: Callable[[JudgeOptions], JudgeRunner] | None = None) -> None:
        self.spec = spec
        self.options = dataclasses.replace(options, comparison=Comparison.JSON, checker=None)
        if make_judge is None:
            from ocr_cli.judge.runner import Judge

            self._judge: JudgeRunner = Judge(self.options)
        else:
            self._judge = make_judge(self.options)

    def run(self, source: str, language: Language, tests: Sequence[TestCase], *,
            on_case: Callable[[CaseResult], None] | None = None, stop_after_failure: bool = False,
            cancel: threading.Event | None = None) -> JudgeReport:
        """Judge the class in `source` on functional `tests`; a syntax error or another language is CE."""
        problem = self._unjudgeable(source, language)
        if problem is not None:
            cases = tuple(CaseResult(t.name, Verdict.CE, message="compilation failed", input=t.input,
                                     expected=t.output) for t in tests)
            for case in cases:
                if on_case is not None:
                    on_case(case)
            return JudgeReport(Verdict.CE, cases, problem, "none")
        return self._judge.run(harness_source(source, self.spec), Language.PYTHON, tests, on_case=on_case,
                               stop_after_failure=stop_after_failure, cancel=cancel)

    @staticmethod
    def _unjudgeable(source: str, language: Language) -> str | None:
        if language is not Language.PYTHON:
            return f"functional (class Solution) problems are judged in Python only, not {language.value}"
        try:
            compile(source, "solution.py", "exec")
        except (SyntaxError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"
        return None
