"""Verdicts and results of the judge: data, never exceptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Verdict(str, Enum):
    """A case or submission verdict; the value is the usual abbreviation."""

    AC = "AC"  # accepted
    WA = "WA"  # wrong answer
    TLE = "TLE"  # time limit exceeded
    MLE = "MLE"  # memory limit exceeded
    RE = "RE"  # runtime error
    OLE = "OLE"  # output limit exceeded
    CE = "CE"  # compilation error
    IE = "IE"  # internal error of the judge

    @property
    def priority(self) -> int:
        """DMOJ's order when several flags apply to one case (IE > TLE > MLE > OLE > RE > WA > AC);
        CE, a verdict of the whole submission, ranks just below IE."""
        order = ["AC", "WA", "RE", "OLE", "MLE", "TLE", "CE", "IE"]
        return order.index(self.value)


class Comparison(str, Enum):
    """How output is compared with the expected answer; values are the flag spellings."""

    TOKENS = "tokens"  # whitespace-insensitive token comparison (default)
    EXACT = "exact"  # byte comparison, CRLF-insensitive
    FLOAT = "float"  # tokens, numbers within a tolerance
    CHECKER = "checker"  # an external checker program
    JSON = "json"  # one JSON value: numbers by value (floats within the tolerance), lists in order


@dataclass(frozen=True)
class JudgeOptions:
    """Everything that decides how solutions are built, run and compared."""

    time_limit_s: float = 2.0
    memory_limit_mb: int = 1024
    output_limit_mb: int = 64
    comparison: Comparison = Comparison.TOKENS
    float_tol: float = 1e-6
    checker: str | None = None  # a command line
    checker_style: str = "testlib"  # testlib | judgels | kattis
    jobs: int | None = None  # parallel cases; None: suited to the machine
    python: str | None = None  # interpreter command; None: the running interpreter
    cxx: str = "g++"
    cxx_flags: tuple[str, ...] = ("-O2", "-std=gnu++20")
    sandbox: str = "auto"  # auto | strict (refuse without namespaces) | rlimits (force the weak level)
    wall_time_limit_s: float | None = None  # None: twice the CPU limit plus a second
    interactor: str | None = None  # interactive problems: a .py/.cpp file or a command line
    interactor_style: str = "testlib"  # testlib (PROG in out) | kattis (PROG in ans feedback_dir)


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one test case."""

    name: str
    verdict: Verdict
    time_s: float = 0.0  # CPU time
    wall_s: float = 0.0
    memory_mb: float = 0.0  # peak resident memory
    message: str = ""  # a short explanation: the checker's word, the signal, "expected 3, got 4"
    input: str = ""
    expected: str = ""
    actual: str = ""  # stdout, capped
    stderr: str = ""  # capped

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.AC


@dataclass(frozen=True)
class JudgeReport:
    """The outcome of a solution over a set of tests."""

    verdict: Verdict
    cases: tuple[CaseResult, ...] = field(default_factory=tuple)
    compile_output: str = ""  # compiler messages (first lines) when verdict is CE
    isolation: str = "none"  # the sandbox level used, e.g. "namespaces" or "rlimits"

    @property
    def passed(self) -> int:
        return sum(1 for case in self.cases if case.passed)

    @property
    def total(self) -> int:
        return len(self.cases)

    @property
    def first_failure(self) -> CaseResult | None:
        return next((case for case in self.cases if not case.passed), None)
