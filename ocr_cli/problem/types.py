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
