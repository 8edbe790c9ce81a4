"""What a problem is, once read: its statement, its samples and its limits."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TestCase:
    """One input with its expected output."""

    __test__ = False  # not a pytest test class

    name: str
    input: str
    output: str


@dataclass(frozen=True)
class Problem:
    """A problem statement with what was read from it."""

    statement: str
    title: str | None = None
    samples: tuple[TestCase, ...] = field(default_factory=tuple)
    time_limit_s: float | None = None
    memory_limit_mb: int | None = None
    interactive: bool = False
    #: LeetCode-style problems: the class skeleton to complete (tests then call `function_name`).
    starter_code: str | None = None
    function_name: str | None = None
    #: Where it was read from: a file path, "<stdin>" or "<pasted>".
    source: str | None = None
    #: The problem's web page (Competitive Companion and oj-api give it).
    url: str | None = None
    #: True when no statement text came with the problem (Competitive Companion sends only samples):
    #: `statement` then only says what is known.
    statement_missing: bool = False
    #: The error tolerance the statement states for real-number answers ("absolute or relative
    #: error at most 10^-6"), None when it states none.
    float_tol: float | None = None
    #: A checker program shipped with the problem (a problem folder's checker.py / checker.cpp).
    checker: str | None = None
    #: Samples the statement seems to have but that could not be read with certainty (two-column
    #: PDF text): one line each saying which and why. They are not in `samples`.
    doubtful_samples: tuple[str, ...] = ()
